import { reasonMessage, ROBOT_REASONS } from '../../src/robot/robot-reason';
import { fileErrorMessage } from '../../src/file/file-error';
import { MESSAGE_CODES } from '../../src/common/message-codes';
import { PluginConfigSchema } from '../../src/plugin/plugin-config';
import { pluginTexts } from '../../src/plugin/plugin.service';

describe('messages for people as codes', () => {
  it('gives the reasons of a robot state a code, Gewe text only as a parameter', () => {
    expect(reasonMessage(ROBOT_REASONS.CAPTCHA_REQUIRED)).toEqual({ code: 'CAPTCHA_REQUIRED', params: {} });
    expect(reasonMessage(null)).toBeNull();
    expect(reasonMessage('已达到最大客户端数量操作')).toEqual({
      code: 'GEWE_ERROR',
      params: { reason: '已达到最大客户端数量操作' },
    });
    expect(reasonMessage('Gewe /login/checkLogin: Gewe cannot be reached')).toEqual({
      code: 'GEWE_UNREACHABLE',
      params: { endpoint: '/login/checkLogin' },
    });
    expect(
      reasonMessage(
        `${ROBOT_REASONS.GEWE_REPORTS_OFFLINE}; reconnection failed 3 time(s): log in again with a QR code`,
      ),
    ).toEqual({
      code: 'RECONNECT_FAILED',
      params: { attempts: 3, cause: 'GEWE_REPORTS_OFFLINE', reason: ROBOT_REASONS.GEWE_REPORTS_OFFLINE },
    });
  });

  it('gives the error stored on a file a code', () => {
    expect(fileErrorMessage(null)).toBeNull();
    expect(fileErrorMessage('larger than 50 MB (files.max_size)')).toMatchObject({
      code: 'DOWNLOAD_TOO_LARGE',
      params: { limit: '50 MB' },
    });
    expect(fileErrorMessage('abandoned: the instance downloading it stopped')?.code).toBe('DOWNLOAD_ABANDONED');
    // as src/file/media-fetcher.ts writes it: the operator's fix is theirs to make, not Gewe's text to show
    expect(
      fileErrorMessage(
        'Gewe answered a relative fileUrl (wx_1/a.jpg) and the robot has no download_url to fetch it from',
      )?.code,
    ).toBe('DOWNLOAD_NO_URL');
    expect(fileErrorMessage('Gewe /message/downloadImage failed (ret 500): x')).toEqual({
      code: 'DOWNLOAD_FAILED',
      params: { reason: 'Gewe /message/downloadImage failed (ret 500): x' },
    });
  });

  it('lists every code those answer in the registry', () => {
    for (const code of Object.keys(ROBOT_REASONS)) expect(MESSAGE_CODES).toHaveProperty(code);
  });
});

describe('plugin texts in both languages', () => {
  it('accepts title_zh / description_en beside title and description in a config schema', () => {
    const schema = PluginConfigSchema.compile({
      type: 'object',
      properties: { a: { type: 'string', title: 'A', title_zh: '甲', title_en: 'A', description_zh: '说明' } },
    });
    expect(schema.check({ a: 'x' }).errors).toEqual([]);
  });

  it("answers a manifest's texts per language", () => {
    expect(
      pluginTexts({ name: 'P', version: '1', title_zh: '示例', description: 'Plain', description_en: 'English' }),
    ).toEqual({ zh: { title: '示例' }, en: { description: 'English' } });
  });
});
