import * as z from 'zod';

/*
 * The `audit:` section of stepwise.yaml: where the audit log is streamed,
 * besides the database that keeps it.
 */

const strict = <T extends z.core.$ZodLooseShape>(shape: T) =>
  z.strictObject(shape, { error: (issue) => (issue.input === undefined ? 'is required' : 'must be a mapping of settings') });

const webhookUrl = z.string({ error: 'must be an absolute http(s) URL' }).refine(
  (value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol) && !value.includes('#'),
  { error: 'must be an absolute http(s) URL without a fragment' },
);

/** `audit:` in stepwise.yaml. */
export const auditSchema = strict({
  webhook: strict({
    url: webhookUrl,
    // The receiver checks an HMAC-SHA256 with it: as long as a SHA-256 output, at least.
    secret: z.string({ error: 'must be a string of at least 32 characters' }).min(32, { error: 'must be a string of at least 32 characters' }),
  }).optional(),
});

/** The audit settings in force. */
export interface AuditConfig {
  /** Where committed events are POSTed in batches, signed; `null` when not configured. */
  readonly webhook: { readonly url: string; readonly secret: string } | null;
}

/**
 * The section with its defaults (no webhook).
 *
 * @param raw - the parsed section, if any
 * @example
 * ```ts
 * readAudit({ webhook: { url: 'https://siem.example/stepwise', secret } }).webhook?.url; // 'https://siem.example/stepwise'
 * ```
 */
export function readAudit(raw: z.output<typeof auditSchema> | undefined): AuditConfig {
  return { webhook: raw?.webhook ? { url: raw.webhook.url, secret: raw.webhook.secret } : null };
}
