import { Type, type Static } from '@sinclair/typebox';
import { ListQuery } from '../../platform/http/pagination.js';
import { StringEnum, Timestamp } from '../../platform/http/schemas.js';

export const FlagKey = Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,63}$', description: 'Lower-case letters, digits, `_`, `.`, `-`; up to 64.' });
const Rollout = Type.Number({ minimum: 0, maximum: 100, description: 'Percent of subjects, 0–100; decided by hashing (flag key, subject).' });
const Rule = Type.Object(
  {
    attribute: Type.String({ minLength: 1, maxLength: 64 }),
    operator: StringEnum(['in', 'not_in']),
    values: Type.Array(Type.String({ maxLength: 200 }), { minItems: 1, maxItems: 100 }),
    rollout: Type.Optional({ ...Rollout, default: 100 }),
  },
  { additionalProperties: false },
);
const Rules = Type.Array(Rule, { maxItems: 50, description: 'The first rule whose attribute matches decides, with its own rollout.' });

export const Flag = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('flag'),
    key: Type.String(),
    description: Type.String(),
    enabled: Type.Boolean({ description: 'false: off for everyone.' }),
    rollout: Type.Number({ description: 'Percent on when no rule matches.' }),
    rules: Type.Array(Type.Object({ attribute: Type.String(), operator: StringEnum(['in', 'not_in']), values: Type.Array(Type.String()), rollout: Type.Number() })),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Flag' },
);
export type Flag = Static<typeof Flag>;

export const FlagCreate = Type.Object(
  {
    key: FlagKey,
    description: Type.Optional(Type.String({ maxLength: 500 })),
    enabled: Type.Optional(Type.Boolean({ default: false })),
    rollout: Type.Optional({ ...Rollout, default: 100 }),
    rules: Type.Optional(Rules),
  },
  { additionalProperties: false },
);
export type FlagCreate = Static<typeof FlagCreate>;

export const FlagPatch = Type.Partial(Type.Object({ description: Type.String({ maxLength: 500 }), enabled: Type.Boolean(), rollout: Rollout, rules: Rules }), { additionalProperties: false, minProperties: 1 });
export type FlagPatch = Static<typeof FlagPatch>;

export const FlagKeyParam = Type.Object({ key: FlagKey }, { additionalProperties: false });
export const FlagListQuery = Type.Object({ ...ListQuery }, { additionalProperties: false });
export type FlagListQuery = Static<typeof FlagListQuery>;

export const FlagEvaluate = Type.Object(
  {
    subject_id: Type.String({ minLength: 1, maxLength: 128, description: 'Who the flags are for: a customer id or an anonymous id.' }),
    attributes: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 200 }), { maxProperties: 50, description: 'What rules match on, e.g. `{ "country": "US" }`.' })),
  },
  { additionalProperties: false },
);
export type FlagEvaluate = Static<typeof FlagEvaluate>;

export const FlagEvaluation = Type.Object(
  {
    object: Type.Literal('flag_evaluation'),
    subject_id: Type.String(),
    values: Type.Record(Type.String(), Type.Boolean(), { description: 'Every flag by key: on or off for this subject.' }),
    reasons: Type.Record(Type.String(), Type.Object({ reason: StringEnum(['disabled', 'rule', 'rollout']), rule: Type.Union([Type.Integer(), Type.Null()]) })),
  },
  { $id: 'FlagEvaluation' },
);
export type FlagEvaluation = Static<typeof FlagEvaluation>;
