import type { GeweCaller } from '../gewe-caller';

export interface Profile {
  wxid?: string;
  nickName?: string;
  alias?: string;
  mobile?: string;
  uin?: number | string;
  sex?: number;
  province?: string;
  city?: string;
  country?: string;
  signature?: string;
  regCountry?: string;
  bigHeadImgUrl?: string;
  smallHeadImgUrl?: string;
  snsBgImg?: string;
  [key: string]: unknown;
}

export class PersonalApi {
  constructor(private readonly c: GeweCaller) {}

  getProfile(): Promise<Profile> {
    return this.c.call<Profile>('/personal/getProfile');
  }

  /** The account's own QR code (data: { qrCode: base64 image }). */
  getQrCode(): Promise<{ qrCode?: string; [key: string]: unknown }> {
    return this.c.call('/personal/getQrCode');
  }

  getSafetyInfo(): Promise<unknown> {
    return this.c.call('/personal/getSafetyInfo');
  }
}
