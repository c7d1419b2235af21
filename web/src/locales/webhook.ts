/** Strings of a robot's webhook endpoint (callback key, rotation, figures). */
export const zh = {
  'webhook.title': '回调接口',
  'webhook.accepted': '已接收',
  'webhook.duplicates': '重复',
  'webhook.probes': 'Gewe 连通测试',
  'webhook.rejected': '已拒绝',
  'webhook.byReason': '拒绝原因',
  'webhook.lastRejection': '最近一次拒绝',
  'webhook.lastCallback': '最近一次回调',
  'webhook.rotatedAt': '密钥更换于',
  'webhook.previousValid': '旧回调地址有效至',
  'webhook.never': '从未',
  'webhook.rotate': '更换回调密钥',
  'webhook.rotating': '更换中…',
  'webhook.confirmRotate':
    '确定更换机器人「{name}」的回调密钥吗？会生成新的回调地址；旧地址在宽限期内仍然有效，请在此期间把新地址交给 Gewe。',
  'webhook.rotated': '已更换。新的回调地址（请复制并交给 Gewe；自建 Gewechat 可点击「重新注册回调」）：',
  'webhook.hint': '回调地址里的密钥证明回调来自 Gewe。怀疑泄露时请更换。',
};

export const en: Record<keyof typeof zh, string> = {
  'webhook.title': 'Webhook endpoint',
  'webhook.accepted': 'Accepted',
  'webhook.duplicates': 'Duplicates',
  'webhook.probes': 'Gewe probes',
  'webhook.rejected': 'Rejected',
  'webhook.byReason': 'Rejected by reason',
  'webhook.lastRejection': 'Last rejection',
  'webhook.lastCallback': 'Last callback',
  'webhook.rotatedAt': 'Key rotated',
  'webhook.previousValid': 'The old callback URL works until',
  'webhook.never': 'Never',
  'webhook.rotate': 'Rotate the callback key',
  'webhook.rotating': 'Rotating…',
  'webhook.confirmRotate':
    'Rotate the callback key of robot “{name}”? A new callback URL is made; the old one keeps working for the grace period: give Gewe the new URL meanwhile.',
  'webhook.rotated':
    'Rotated. The new callback URL (copy it and give it to Gewe; for self-hosted Gewechat, register the callback again):',
  'webhook.hint': 'The key in the callback URL proves a callback comes from Gewe. Rotate it if it may have leaked.',
};
