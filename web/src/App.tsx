import { useEffect, type ComponentType } from 'react';
import { useI18n } from './i18n';
import { LiveProvider, useLive } from './live';
import { AlertsPage } from './pages/Alerts';
import { AuditPage } from './pages/Audit';
import { DashboardPage } from './pages/Dashboard';
import { FilesPage } from './pages/Files';
import { LoginPage } from './pages/Login';
import { LogsPage } from './pages/Logs';
import { MessagesPage } from './pages/Messages';
import { RobotsPage } from './pages/Robots';
import { TokensPage } from './pages/Tokens';
import { Link, navigate, usePath } from './router';
import { useSession } from './session';

const PAGES: Record<string, ComponentType> = {
  '/': DashboardPage,
  '/robots': RobotsPage,
  '/messages': MessagesPage,
  '/files': FilesPage,
  '/logs': LogsPage,
  '/alerts': AlertsPage,
  '/audit': AuditPage,
  '/tokens': TokensPage,
};

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
    <span className={`live-dot ${connected ? 'on' : 'off'}`} role="status" title={connected ? t('live.on') : t('live.off')}>
      <span aria-hidden="true">●</span>
      <span className="visually-hidden">{connected ? t('live.on') : t('live.off')}</span>
    </span>
  );
}

function Shell() {
  const { t } = useI18n();
  const { user, logout } = useSession();
  const path = usePath();
  const Page = PAGES[path] ?? DashboardPage;
  useEffect(() => {
    if (path === '/login' || !PAGES[path]) navigate('/', true);
  }, [path]);
  return (
    <LiveProvider>
      <a className="skip" href="#main">
        {t('app.skip')}
      </a>
      <header className="topbar">
        <Link href="/" className="brand">
          <img src="/favicon.svg" alt="" width={24} height={24} />
          <span>{t('app.title')}</span>
        </Link>
        <nav aria-label={t('nav.main')} className="nav">
          <Link href="/" aria-current={path === '/' ? 'page' : undefined}>
            {t('nav.dashboard')}
          </Link>
          <Link href="/robots" aria-current={path === '/robots' ? 'page' : undefined}>
            {t('nav.robots')}
          </Link>
          <Link href="/messages" aria-current={path === '/messages' ? 'page' : undefined}>
            {t('nav.messages')}
          </Link>
          <Link href="/files" aria-current={path === '/files' ? 'page' : undefined}>
            {t('nav.files')}
          </Link>
          {user?.isAdmin && (
            <Link href="/logs" aria-current={path === '/logs' ? 'page' : undefined}>
              {t('nav.logs')}
            </Link>
          )}
          <Link href="/alerts" aria-current={path === '/alerts' ? 'page' : undefined}>
            {t('nav.alerts')}
          </Link>
          {user?.isAdmin && (
            <Link href="/audit" aria-current={path === '/audit' ? 'page' : undefined}>
              {t('nav.audit')}
            </Link>
          )}
          {user?.isAdmin && (
            <Link href="/tokens" aria-current={path === '/tokens' ? 'page' : undefined}>
              {t('nav.tokens')}
            </Link>
          )}
        </nav>
        <div className="topbar-end">
          <LiveDot />
          <LangSwitch />
          <span className="user" data-testid="current-user">
            {user?.username}
          </span>
          <button type="button" className="button small" onClick={() => void logout()}>
            {t('user.logout')}
          </button>
        </div>
      </header>
      <Page />
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
