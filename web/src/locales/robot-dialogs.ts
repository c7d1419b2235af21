/** Strings of the robot dialogs added for the download URL and the fake Gewe trial. */
export const zh = {
  'create.downloadUrl': '文件下载地址',
  'create.downloadUrlHint':
    '自建 Gewechat 的文件服务，例如 http://192.168.1.10:2532/download。留空：系统设置 gewe.download_url（同一 Gewe 时），否则按 Gewechat 的默认布局由 API 地址推出（端口 2531 的 /v2/api → 端口 2532 的 /download）。',
  'create.downloadUrlDerived': '留空将使用 {url}',
  'qr.fakeHint': '用假 Gewe（npm run fake-gewe）试用？在终端运行下面的命令，模拟手机扫码并确认：',
};

export const en: Record<keyof typeof zh, string> = {
  'create.downloadUrl': 'File download URL',
  'create.downloadUrlHint':
    "A self-hosted Gewechat's file server, e.g. http://192.168.1.10:2532/download. Empty: the gewe.download_url setting (for that Gewe), else derived from the API URL by Gewechat's usual layout (/v2/api on port 2531 → /download on port 2532).",
  'create.downloadUrlDerived': 'Empty: {url} will be used',
  'qr.fakeHint':
    'Trying the fake Gewe (npm run fake-gewe)? Run this in a terminal to play the phone, scan and confirm:',
};
