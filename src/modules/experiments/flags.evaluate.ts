import { unitHash } from './experiments.bucket.js';

/** A rule: when the subject's `attribute` is (`in`) or is not (`not_in`) one of `values`, the flag is on for `rollout` % of them. */
export interface FlagRule {
  attribute: string;
  operator: 'in' | 'not_in';
  values: string[];
  rollout: number;
}

export interface FlagDef {
  key: string;
  enabled: boolean;
  /** Percent (0–100) of subjects the flag is on for when no rule matches. */
  rollout: number;
  rules: FlagRule[];
}

export interface FlagResult {
  value: boolean;
  /** `disabled`: the flag is off for everyone; `rule`: rule `rule` decided; `rollout`: no rule matched. */
  reason: 'disabled' | 'rule' | 'rollout';
  rule: number | null;
}

function matches(rule: FlagRule, attributes: Readonly<Record<string, string>>): boolean {
  const value = attributes[rule.attribute];
  const found = value !== undefined && rule.values.includes(value);
  return rule.operator === 'in' ? found : !found;
}

/**
 * Evaluates one flag for one subject, purely: off when disabled; else the first rule whose
 * attribute matches decides with its own rollout; else the flag's rollout. A rollout of p % is on
 * exactly when `unitHash(flag key, subject) < p / 100`, so the same subject always gets the same
 * answer, 0 % is never on, 100 % always, and raising a rollout only ever adds subjects.
 * @example evaluateFlag({ key: 'f', enabled: true, rollout: 100, rules: [] }, 'cus_1', {}) // { value: true, reason: 'rollout', rule: null }
 */
export function evaluateFlag(flag: FlagDef, subject: string, attributes: Readonly<Record<string, string>>): FlagResult {
  if (!flag.enabled) return { value: false, reason: 'disabled', rule: null };
  const point = unitHash(flag.key, subject);
  const index = flag.rules.findIndex((r) => matches(r, attributes));
  const rule = index >= 0 ? flag.rules[index] : undefined;
  if (rule) return { value: point < rule.rollout / 100, reason: 'rule', rule: index };
  return { value: point < flag.rollout / 100, reason: 'rollout', rule: null };
}
