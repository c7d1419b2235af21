/**
 * The event kinds whose media the service downloads and stores. `file` is the completed transfer (appmsg type 6);
 * `file_notice` (type 74) cannot be downloaded. No imports: the config schema and the robot DTO use this list too.
 */
export const MEDIA_KINDS = ['image', 'voice', 'video', 'file', 'emoji'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

export function isMediaKind(kind: string): kind is MediaKind {
  return (MEDIA_KINDS as readonly string[]).includes(kind);
}
