import { useEffect, useState, type ComponentType } from 'react';
import { useI18n } from './i18n';
import { LiveProvider, useLive } from './live';
import { UserMenu } from './components/UserMenu';
import { AlertsPage } from './pages/Alerts';
import { AuditPage } from './pages/Audit';
import { ChatSettingsPage } from './pages/ChatSettings';
import { ContactsPage } from './pages/Contacts';
import { ConversationsPage } from './pages/Conversations';
import { DashboardPage } from './pages/Dashboard';
import { FailedJobsPage } from './pages/FailedJobs';
import { FilesPage } from './pages/Files';
import { FriendRequestsPage } from './pages/FriendRequests';
import { GroupManagePage } from './pages/GroupManage';
import { LoginPage } from './pages/Login';
import { LogsPage } from './pages/Logs';
import { MessagesPage } from './pages/Messages';
import { OutboundWebhookDetailPage, OutboundWebhooksPage } from './pages/OutboundWebhooks';
import { PluginDetailPage } from './pages/PluginDetail';
import { PluginsPage } from './pages/Plugins';
import { RobotDetailPage } from './pages/RobotDetail';
import { RobotsPage } from './pages/Robots';
import { TokensPage } from './pages/Tokens';
import { SettingsPage } from './pages/Settings';
import { UsersPage } from './pages/Users';
import { Link, navigate, usePath } from './router';
import { useSession } from './session';

/** Paths and their screens; `/:id` stands for one last path segment (a robot id, a plugin name). */
const PAGES: Record<string, ComponentType> = {
  '/': DashboardPage,
  '/robots': RobotsPage,
  '/robots/:id': RobotDetailPage,
  '/chats/:id': ChatSettingsPage,
  '/contacts/:id': ContactsPage,
  '/conversations/:id': ConversationsPage,
  '/messages': MessagesPage,
  '/files': FilesPage,
  '/plugins': PluginsPage,
  '/plugins/:id': PluginDetailPage,
  '/jobs': FailedJobsPage,
  '/logs': LogsPage,
  '/alerts': AlertsPage,
  '/audit': AuditPage,
  '/tokens': TokensPage,
  '/users': UsersPage,
  '/settings': SettingsPage,
  '/friend-requests/:id': FriendRequestsPage,
  '/groups/:id': GroupManagePage,
  '/outbound-webhooks': OutboundWebhooksPage,
  '/outbound-webhooks/:id': OutboundWebhookDetailPage,
};

function pageFor(path: string): ComponentType | undefined {
  return PAGES[path] ?? (path.lastIndexOf('/') > 0 ? PAGES[path.replace(/\/[^/]+$/, '/:id')] : undefined);
}

/** The nav link of a section: current on its own path and on the paths under it. */
function NavLink({ href, label, path }: { href: string; label: string; path: string }) {
  const current = href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`);
  return (
    <Link href={href} aria-current={current ? 'page' : undefined}>
      {label}
    </Link>
  );
}

function LangSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <button
      type="button"
      className="button small ghost"
      aria-label={t('lang.label')}
      lang={lang === 'zh' ? 'en' : 'zh-CN'}
      onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}
    >
      {t('lang.switch')}
    </button>
  );
}

function LiveDot() {
  const { connected } = useLive();
  const { t } = useI18n();
  return (
    <span
      className={`live-dot ${connected ? 'on' : 'off'}`}
      role="status"
      title={connected ? t('live.on') : t('live.off')}
    >
      <span aria-hidden="true">●</span>
      <span className="visually-hidden">{connected ? t('live.on') : t('live.off')}</span>
    </span>
  );
}

function Shell() {
  const { t } = useI18n();
  const { user } = useSession();
  const path = usePath();
  const Page = pageFor(path) ?? DashboardPage;
  // on a phone the navigation folds behind a menu button; following a link closes it
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => {
    if (path === '/login' || !pageFor(path)) navigate('/', true);
    setMenuOpen(false);
  }, [path]);
  return (
    <LiveProvider>
      <a className="skip" href="#main">
        {t('app.skip')}
      </a>
      <header className={`topbar${menuOpen ? ' menu-open' : ''}`}>
        <Link href="/" className="brand">
          <img src="/favicon.svg" alt="" width={24} height={24} />
          <span>{t('app.title')}</span>
        </Link>
        <button
          type="button"
          className="button small ghost menu-button"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen((o) => !o)}
        >
          <span aria-hidden="true">☰</span> {t('nav.menu')}
        </button>
        <nav id="main-nav" aria-label={t('nav.main')} className="nav" onClick={() => setMenuOpen(false)}>
          <NavLink href="/" label={t('nav.dashboard')} path={path} />
          <NavLink href="/robots" label={t('nav.robots')} path={path} />
          <NavLink href="/messages" label={t('nav.messages')} path={path} />
          <NavLink href="/files" label={t('nav.files')} path={path} />
          <NavLink href="/plugins" label={t('nav.plugins')} path={path} />
          {user?.isAdmin && <NavLink href="/logs" label={t('nav.logs')} path={path} />}
          <NavLink href="/alerts" label={t('nav.alerts')} path={path} />
          {user?.isAdmin && <NavLink href="/audit" label={t('nav.audit')} path={path} />}
          {user?.isAdmin && <NavLink href="/tokens" label={t('nav.tokens')} path={path} />}
          {user?.isAdmin && <NavLink href="/outbound-webhooks" label={t('nav.outboundWebhooks')} path={path} />}
          {user?.isAdmin && <NavLink href="/users" label={t('nav.users')} path={path} />}
          {user?.isAdmin && <NavLink href="/settings" label={t('nav.settings')} path={path} />}
        </nav>
        <div className="topbar-end">
          <LiveDot />
          <LangSwitch />
          <UserMenu />
        </div>
      </header>
      <Page key={path} />
    </LiveProvider>
  );
}

export function App() {
  const { user, checking } = useSession();
  const { t } = useI18n();
  const path = usePath();
  useEffect(() => {
    if (!checking && !user && path !== '/login') navigate('/login', true);
  }, [checking, user, path]);
  if (checking)
    return (
      <p className="muted center" role="status">
        {t('common.loading')}
      </p>
    );
  if (!user)
    return (
      <>
        <div className="login-lang">
          <LangSwitch />
        </div>
        <LoginPage />
      </>
    );
  return <Shell />;
}
