import type { Translate } from '../i18n';

/** What is wrong with a new password (the API's rule: 8 characters at least, 72 bytes at most — bcrypt's limit). */
export function passwordProblem(p: string, t: Translate): string[] {
  if (p.length < 8) return [t('account.tooShort')];
  if (new TextEncoder().encode(p).length > 72) return [t('account.tooLong')];
  return [];
}

/** The confirmation field's problem: it must repeat the new password. */
export function confirmProblem(again: string, p: string, t: Translate): string[] {
  return again === p ? [] : [t('account.mismatch')];
}
