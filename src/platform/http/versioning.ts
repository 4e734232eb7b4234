import { AppError, Errors } from './errors.js';

/** Dated API versions, oldest first. The newest is the default. */
export const API_VERSIONS = ['2026-11-01'] as const;
export const LATEST_VERSION = API_VERSIONS[API_VERSIONS.length - 1]!;

/**
 * Resolves the `Tessera-Version` request header. Absent means the latest version; an unknown value
 * is a 400 problem listing the supported ones.
 */
export function resolveVersion(header: string | string[] | undefined): string {
  if (header === undefined || header === '') return LATEST_VERSION;
  const value = Array.isArray(header) ? header[0] : header;
  if (value && (API_VERSIONS as readonly string[]).includes(value)) return value;
  throw new AppError(
    Errors.unsupportedVersion,
    `Tessera-Version "${String(value)}" is not a supported version. Supported: ${API_VERSIONS.join(', ')}.`,
    [{ detail: 'Use a supported YYYY-MM-DD version.', parameter: 'Tessera-Version' }],
  );
}
