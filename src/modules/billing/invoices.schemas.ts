import { Type } from '@sinclair/typebox';
import { Currency, Nullable, StringEnum, Timestamp } from '../../platform/http/schemas.js';
import { METERS } from './plans.schemas.js';

const Units = Type.Integer({ minimum: 0 });

export const InvoiceLineSchema = Type.Object(
  {
    meter: StringEnum(METERS),
    tier: Type.Integer({ minimum: 0, description: "0: the plan's free quota; 1…n: the plan's tiers, in order." }),
    first_unit: Type.Integer({ minimum: 1, description: "The first unit of the period's usage this line prices (1-based)." }),
    last_unit: Type.Integer({ minimum: 1, description: 'The last unit this line prices (inclusive).' }),
    quantity: Type.Integer({ minimum: 1 }),
    unit_amount: Nullable(Units, { description: 'Minor units per unit; null when the price has a fraction of a minor unit (see unit_amount_decimal).' }),
    unit_amount_decimal: Type.String({ pattern: '^\\d+(\\.\\d{1,12})?$', description: 'The exact unit price in minor units, as a decimal string.' }),
    amount: Type.Integer({ minimum: 0, description: 'quantity × unit price in minor units, rounded half up once per line.' }),
  },
  { $id: 'InvoiceLine', additionalProperties: false },
);

const common = {
  object: Type.Literal('invoice'),
  partner_id: Type.String(),
  period: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'The billing period: a UTC calendar month, YYYY-MM.' }),
  period_start: Timestamp,
  period_end: Type.String({ format: 'date-time', description: "The period's end (exclusive): the next month's first instant." }),
  plan_id: Nullable(Type.String()),
  currency: Currency,
  lines: Type.Array(Type.Ref(InvoiceLineSchema), { description: 'Per meter (api_calls, recommendation_calls, checkout_calls), then per tier; meters without usage have no line.' }),
  subtotal: Units,
  total: Type.Integer({ minimum: 0, description: 'Equals subtotal: invoices carry no tax or discounts yet.' }),
};

export const InvoiceSchema = Type.Object(
  { id: Type.String(), ...common, status: Type.Literal('finalized'), created_at: Timestamp, finalized_at: Timestamp },
  { $id: 'Invoice', additionalProperties: false },
);

export const UpcomingInvoiceSchema = Type.Object(
  { ...common, status: Type.Literal('draft'), as_of: Type.String({ format: 'date-time', description: 'When it was computed from the usage so far.' }) },
  { $id: 'UpcomingInvoice', additionalProperties: false },
);

export const FinalizationSchema = Type.Object(
  {
    object: Type.Literal('invoice_finalization'),
    open_period: Type.String({ description: 'The oldest period still open: every period before it has been finalized.' }),
    invoices: Type.Array(Type.Ref(InvoiceSchema), { description: 'The invoices this run created; empty when every closed period was already finalized.' }),
  },
  { $id: 'InvoiceFinalization', additionalProperties: false },
);

export const invoiceSchemas = [InvoiceLineSchema, InvoiceSchema, UpcomingInvoiceSchema, FinalizationSchema];
