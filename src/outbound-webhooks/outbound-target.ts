import { badRequest } from '../common/domain-error';
import type { AppConfig } from '../config/app-config';
import { checkOutboundUrl, isRefusedHost, outboundPolicy, OutboundPolicy } from '../net/outbound-url-policy';

/**
 * The policy of outbound webhook targets: the service's own (link-local and cloud metadata, see
 * backend.allow_link_local_targets) plus the stricter mode — loopback, private, CGNAT, ULA — unless
 * `outbound_webhooks.allow_private_targets`. Applied when a subscription is saved and at connect time (a host name
 * that resolves to a refused address is refused then).
 */
export function webhookTargetPolicy(config: AppConfig): OutboundPolicy {
  return {
    allowLinkLocal: outboundPolicy().allowLinkLocal,
    refusePrivate: !config.outbound_webhooks.allow_private_targets,
  };
}

/** Throws a 400 naming `field` when the URL is not one a subscription may point at. */
export function assertWebhookTarget(value: string, field: string, policy: OutboundPolicy): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badRequest('OUTBOUND_URL_INVALID', `${field} must be an absolute http(s) URL`, { field });
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname)
    throw badRequest('OUTBOUND_URL_INVALID', `${field} must be an absolute http(s) URL`, { field });
  if (url.username || url.password)
    throw badRequest('OUTBOUND_URL_INVALID', `${field} must not carry credentials`, { field });
  if (isRefusedHost(url.hostname, policy))
    throw badRequest('OUTBOUND_TARGET_REFUSED', checkOutboundUrl(value, field, policy) ?? `${field} is refused`, {
      field,
      host: url.hostname,
    });
}
