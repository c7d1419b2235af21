import type { GeweCaller } from '../gewe-caller';

export interface LoginQrCode {
  appId: string;
  uuid: string;
  /** The text to render as a QR code: http://weixin.qq.com/x/<uuid>. */
  qrData: string;
  /** A data-URI JPEG of the QR code. */
  qrImgBase64: string;
}

export interface LoginQrCodeParams {
  /** Paid GeWeAPI: province code of the login region (e.g. "320000"). */
  regionId?: string;
  /** Paid GeWeAPI: "ipad" (recommended) or "mac". */
  type?: string;
  /** Paid GeWeAPI: socks5 proxy URL in the phone's province. */
  proxyIp?: string;
}

export interface LoginInfo {
  wxid?: string;
  nickName?: string;
  uin?: number | string;
  mobile?: string;
  alias?: string;
  [key: string]: unknown;
}

export interface CheckLoginResult {
  uuid?: string;
  headImgUrl?: string | null;
  nickName?: string | null;
  /** Seconds left before the QR code expires. */
  expiredTime?: number | null;
  /** 0 waiting for scan, 1 scanned (confirm on the phone), 2 logged in (with loginInfo). */
  status?: number;
  loginInfo?: LoginInfo | null;
}

/** Login and account endpoints (official field names). */
export class LoginApi {
  constructor(private readonly c: GeweCaller) {}

  /** Free Gewechat only: issues a token; `data` is the token string. */
  getTokenId(): Promise<string> {
    return this.c.call<string>('/tools/getTokenId', {}, { withAppId: false });
  }

  /** Free Gewechat: registers the webhook; Gewe POSTs a {testMsg, token} probe to it before answering. */
  setCallback(token: string, callbackUrl: string): Promise<unknown> {
    return this.c.call('/tools/setCallback', { token, callbackUrl }, { withAppId: false });
  }

  /** appIds persisted by the token (free Gewechat); also a token probe. */
  deviceList(): Promise<string[] | null> {
    return this.c.call<string[] | null>('/login/deviceList', {}, { withAppId: false });
  }

  /**
   * Step 1 of a QR login. The body's appId is the robot's stored one — "" on the very first login (Gewe then creates
   * a device and returns its appId), the same one on every later login of that account.
   */
  getLoginQrCode(params: LoginQrCodeParams = {}): Promise<LoginQrCode> {
    const extra = this.c.isGewe
      ? {
          ...(params.regionId ? { regionId: params.regionId } : {}),
          type: params.type ?? 'ipad',
          ...(params.proxyIp ? { proxyIp: params.proxyIp } : {}),
        }
      : {};
    return this.c.call<LoginQrCode>('/login/getLoginQrCode', extra);
  }

  /** Poll every 5 s. Logged in when status is 2 and loginInfo is set. `captchCode` answers a security check. */
  checkLogin(uuid: string, captchCode?: string): Promise<CheckLoginResult> {
    return this.c.call<CheckLoginResult>('/login/checkLogin', { uuid, ...(captchCode ? { captchCode } : {}) });
  }

  /** Paid GeWeAPI: asks the phone to confirm a login without a QR. */
  dialogLogin(params: { regionId?: string; proxyIp?: string } = {}): Promise<unknown> {
    return this.c.call('/login/dialogLogin', { ...params });
  }

  /** true while the account is online. */
  async checkOnline(): Promise<boolean> {
    const data = await this.c.call<unknown>('/login/checkOnline');
    return data === true || data === 'true';
  }

  /** Reconnect an account Gewe reports offline while the phone still shows it online. */
  reconnection(): Promise<unknown> {
    return this.c.call('/login/reconnection');
  }

  logout(): Promise<unknown> {
    return this.c.call('/login/logout');
  }
}
