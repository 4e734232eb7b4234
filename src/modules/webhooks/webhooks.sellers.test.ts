import { describe, expect, it } from 'vitest';
import { endpointMayReceive, eventSeller, unreachablePatterns } from './webhooks.sellers.js';

describe('seller endpoints', () => {
  it('receive only their own events of the seller-facing types', () => {
    expect(eventSeller('seller_order.created', { id: 'so_1', seller_id: 'sel_a' })).toBe('sel_a');
    expect(eventSeller('shipment.delivered', { id: 'shp_1', seller_id: 'sel_a' })).toBe('sel_a');
    expect(eventSeller('seller.updated', { id: 'sel_a' })).toBe('sel_a');
    // an operator-only type names no seller, even when its object carries one
    expect(eventSeller('order.created', { id: 'ord_1', seller_id: 'sel_a' })).toBeNull();
    expect(eventSeller('seller.suspended', { id: 'sel_a' })).toBeNull();
    expect(eventSeller('shipment.created', { id: 'shp_2', seller_id: null })).toBeNull();
    expect(endpointMayReceive('sel_a', 'product.updated', { seller_id: 'sel_b' })).toBe(false);
    expect(endpointMayReceive('sel_a', 'payout.paid', { seller_id: 'sel_a' })).toBe(true);
    // a chargeback is the seller's to know about (it bears it), and only that seller's
    expect(endpointMayReceive('sel_a', 'chargeback.created', { seller_id: 'sel_a' })).toBe(true);
    expect(endpointMayReceive('sel_b', 'chargeback.created', { seller_id: 'sel_a' })).toBe(false);
    expect(endpointMayReceive(null, 'order.created', {})).toBe(true);
  });

  it('refuse patterns that could never match', () => {
    expect(unreachablePatterns(['*', 'seller_order.*', 'shipment.delivered', 'seller.updated', 'seller.*', 'payout.*', 'product.*'])).toEqual([]);
    expect(unreachablePatterns(['order.*', 'payment.captured', 'seller_order', 'webhook_endpoint.disabled'])).toEqual(['order.*', 'payment.captured', 'seller_order', 'webhook_endpoint.disabled']);
  });
});
