'use strict';
/**
 * GroupDigest's logic without I/O: the command, the statistics of a chat's messages and their text in Chinese or
 * English, and the messages handed to a model for a summary.
 * @typedef {import('../../../src/plugin/plugin.types').HistoryMessage} HistoryMessage
 * @typedef {import('../../../src/plugin/plugin.types').AiMessage} AiMessage
 * @typedef {{ total: number, members: number, top: { name: string, count: number }[],
 *   hours: { hour: number, count: number }[], kinds: Record<string, number>, from: string | null, to: string | null }} Stats
 */

const MAX_HOURS = 168;

/**
 * The hours a text asks a digest for, when it is one of the commands (optionally followed by a number of hours, e.g.
 * "/digest 12"); null when it is not a command.
 * @param {string | null} text @param {string[]} commands @param {number} defaultHours
 * @returns {number | null}
 */
function parseCommand(text, commands, defaultHours) {
  const t = (text ?? '').trim();
  for (const c of commands) {
    const cmd = c.trim();
    if (!cmd) continue;
    if (t === cmd) return defaultHours;
    if (t.startsWith(cmd)) {
      const m = /^\s+(\d{1,3})\s*(h|小时)?$/i.exec(t.slice(cmd.length));
      if (m) return Math.min(Math.max(1, Number(m[1])), MAX_HOURS);
    }
  }
  return null;
}

/** @param {HistoryMessage} m */
const who = (m) => m.senderName || m.senderWxid || '?';

/** The hour of day (0-23) of an instant in a zone. @param {number} ms @param {string} timeZone */
function hourIn(ms, timeZone) {
  const h = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' }).format(new Date(ms));
  return Number(h) % 24;
}

/**
 * The statistics of a chat's messages: people's messages only (the robot's own and notices left out).
 * @param {HistoryMessage[]} messages @param {{ timezone: string, top: number, hours?: number }} o
 * @returns {Stats}
 */
function statistics(messages, o) {
  const people = messages.filter((m) => !m.isSelf && m.senderWxid && !isNotice(m.kind));
  /** @type {Map<string, { name: string, count: number }>} */
  const byMember = new Map();
  /** @type {number[]} */
  const byHour = Array.from({ length: 24 }, () => 0);
  /** @type {Record<string, number>} */
  const kinds = {};
  for (const m of people) {
    const key = /** @type {string} */ (m.senderWxid);
    const entry = byMember.get(key) ?? { name: who(m), count: 0 };
    entry.count++;
    // the newest name a member was seen with
    if (m.senderName) entry.name = m.senderName;
    byMember.set(key, entry);
    const at = m.createTime !== null ? m.createTime * 1000 : Date.parse(m.receivedAt);
    byHour[hourIn(at, o.timezone)]++;
    kinds[m.kind] = (kinds[m.kind] ?? 0) + 1;
  }
  const top = [...byMember.values()]
    .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, o.top);
  const hours = byHour
    .map((count, hour) => ({ hour, count }))
    .filter((h) => h.count > 0)
    .sort((a, b) => b.count - a.count || a.hour - b.hour)
    .slice(0, o.hours ?? 3);
  return {
    total: people.length,
    members: byMember.size,
    top,
    hours,
    kinds,
    from: people[0]?.receivedAt ?? null,
    to: people[people.length - 1]?.receivedAt ?? null,
  };
}

/** @param {string} kind */
function isNotice(kind) {
  return kind.startsWith('group_') || kind === 'system' || kind === 'revoke' || kind === 'pat' || kind === 'sync';
}

/** @param {number} h */
const span = (h) => `${String(h).padStart(2, '0')}:00–${String((h + 1) % 24).padStart(2, '0')}:00`;

/**
 * The statistics as the message sent to the group.
 * @param {Stats} s @param {{ hours: number, language: string }} o
 */
function formatStatistics(s, o) {
  const en = o.language === 'en';
  if (s.total === 0)
    return en ? `No messages in this group in the last ${o.hours} hours.` : `最近 ${o.hours} 小时群里没有消息。`;
  const lines = [];
  if (en) {
    lines.push(`Group digest — the last ${o.hours} hours`);
    lines.push(`Messages: ${s.total}, from ${s.members} member${s.members === 1 ? '' : 's'}`);
    lines.push('Most active:');
    s.top.forEach((m, i) => lines.push(`${i + 1}. ${m.name} — ${m.count}`));
    lines.push(`Busiest hours: ${s.hours.map((h) => `${span(h.hour)} (${h.count})`).join(', ')}`);
  } else {
    lines.push(`📊 最近 ${o.hours} 小时群聊统计`);
    lines.push(`消息总数：${s.total} 条，${s.members} 人发言`);
    lines.push('最活跃成员：');
    s.top.forEach((m, i) => lines.push(`${i + 1}. ${m.name}：${m.count} 条`));
    lines.push(`最热闹的时段：${s.hours.map((h) => `${span(h.hour)}（${h.count} 条）`).join('、')}`);
  }
  return lines.join('\n');
}

/**
 * What a model gets for a summary: an instruction and the transcript (the newest lines within `maxChars`).
 * @param {HistoryMessage[]} messages
 * @param {{ hours: number, language: string, timezone: string, maxChars: number, prompt?: string }} o
 * @returns {AiMessage[]}
 */
function aiMessages(messages, o) {
  const en = o.language === 'en';
  const clock = new Intl.DateTimeFormat('en-GB', {
    timeZone: o.timezone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const lines = messages
    .filter((m) => !m.isSelf && m.text && !isNotice(m.kind))
    .map((m) => {
      const at = m.createTime !== null ? m.createTime * 1000 : Date.parse(m.receivedAt);
      return `[${clock.format(new Date(at))}] ${who(m)}: ${String(m.text).replace(/\s+/g, ' ').trim()}`;
    });
  /** @type {string[]} */
  const kept = [];
  let size = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    size += lines[i].length + 1;
    if (size > o.maxChars) break;
    kept.unshift(lines[i]);
  }
  const instruction =
    o.prompt ||
    (en
      ? `You summarise a WeChat group chat. Write a short digest of the last ${o.hours} hours in English: the main topics, decisions and open questions, who took part. Plain text, no Markdown.`
      : `你负责总结微信群聊。用中文写一份最近 ${o.hours} 小时的简短群聊总结：主要话题、结论和待解决的问题、主要参与者。纯文本，不要使用 Markdown。`);
  return [
    { role: 'system', content: instruction },
    { role: 'user', content: kept.join('\n') },
  ];
}

module.exports = { parseCommand, statistics, formatStatistics, aiMessages, hourIn, MAX_HOURS };
