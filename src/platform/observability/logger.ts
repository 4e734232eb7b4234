import pino, { type DestinationStream, type Logger } from 'pino';

/** Credentials look like sk_live_…, pk_test_…, rk_…, whsec_…; they are masked wherever they appear. */
const SECRET_PATTERN = /\b(sk|pk|rk)_(live|test)_[A-Za-z0-9_]+|\bwhsec_[A-Za-z0-9+/=_-]+/g;
const EMAIL_PATTERN = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/** Masks credentials and email addresses inside free text (messages, error details). */
export function scrub(text: string): string {
  return text.replace(SECRET_PATTERN, '[redacted-key]').replace(EMAIL_PATTERN, '[redacted-email]');
}

const PII_KEYS = ['authorization', 'cookie', 'email', 'password', 'secret', 'token', 'api_key', 'key', 'address', 'shipping_address', 'billing_address', 'phone', 'name', 'first_name', 'last_name'];

/**
 * Standard output, written asynchronously: under load, lines queue while a write is in flight and
 * go out together, instead of one blocking write per request. Pending lines are flushed on exit.
 */
export function stdoutDestination(): DestinationStream {
  return pino.destination({ dest: 1, sync: false });
}

/**
 * The logger of the one line per request. Its fields are fixed and safe by construction (route
 * templates, ids, numbers; the client's idempotency key is scrubbed), so it skips the path
 * redaction, which costs more than the rest of a cached read.
 */
export function createRequestLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: { service: 'tessera' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

/**
 * The JSON logger: one object per line. Known secret and PII fields are replaced by
 * `[redacted]` at any depth up to two levels, and free-text messages are scrubbed.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const paths = PII_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `req.headers.${k}`]);
  return pino(
    {
      level,
      base: { service: 'tessera' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths, censor: '[redacted]' },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrub(a) : a)) as Parameters<typeof method>;
          method.apply(this, scrubbed);
        },
      },
      serializers: {
        err: (err: Error & { code?: unknown }) => ({ type: err.name, message: scrub(err.message), code: err.code, stack: err.stack ? scrub(err.stack) : undefined }),
      },
    },
    destination,
  );
}
