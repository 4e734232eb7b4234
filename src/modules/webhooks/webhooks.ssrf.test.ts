import { describe, expect, it } from 'vitest';
import { ForbiddenAddressError, assertPublicHost, isForbiddenAddress, resolveAll } from './webhooks.ssrf.js';

describe('isForbiddenAddress', () => {
  it.each([
    ['loopback', ['127.0.0.1', '127.8.9.10', '::1']],
    ['private', ['10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.254', '192.168.1.1', 'fc00::1', 'fd12::1']],
    ['link-local and cloud metadata', ['169.254.169.254', '169.254.0.1', 'fe80::1', 'fd00:ec2::254']],
    ['carrier-grade NAT', ['100.64.0.1', '100.127.255.254']],
    ['unspecified', ['0.0.0.0', '::']],
    ['multicast', ['224.0.0.1', '239.255.255.250', 'ff02::1']],
    ['IPv4-mapped IPv6 of a forbidden address', ['::ffff:127.0.0.1', '::ffff:10.0.0.1', '::FFFF:169.254.169.254', '::ffff:7f00:1']],
  ])('refuses %s addresses', (_kind, addresses) => {
    for (const ip of addresses) expect(isForbiddenAddress(ip), ip).toBe(true);
  });

  it('allows public addresses, including IPv4-mapped ones', () => {
    for (const ip of ['8.8.8.8', '1.1.1.1', '172.15.255.255', '172.32.0.1', '100.63.255.255', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      expect(isForbiddenAddress(ip), ip).toBe(false);
    }
  });

  it('refuses anything that is not an IP address', () => {
    for (const s of ['', 'example.com', '1.2.3', '256.1.1.1', '::gg', '[::1]']) expect(isForbiddenAddress(s), s).toBe(true);
  });
});

describe('resolveAll', () => {
  it('resolves an IP literal to itself, brackets removed', async () => {
    expect(await resolveAll('8.8.8.8')).toEqual(['8.8.8.8']);
    expect(await resolveAll('[2606:4700:4700::1111]')).toEqual(['2606:4700:4700::1111']);
    expect(await resolveAll('[::1]')).toEqual(['::1']);
  });

  it('resolves localhost to a loopback address', async () => {
    const addresses = await resolveAll('localhost');
    expect(addresses.length).toBeGreaterThan(0);
    for (const a of addresses) expect(['127.0.0.1', '::1']).toContain(a);
  });
});

describe('assertPublicHost', () => {
  it('refuses localhost and private literals with ForbiddenAddressError', async () => {
    await expect(assertPublicHost('localhost')).rejects.toBeInstanceOf(ForbiddenAddressError);
    await expect(assertPublicHost('[::1]')).rejects.toMatchObject({ host: '[::1]', address: '::1' });
    await expect(assertPublicHost('169.254.169.254')).rejects.toThrow(/169\.254\.169\.254/);
  });

  it('accepts a public IP literal', async () => {
    await expect(assertPublicHost('1.1.1.1')).resolves.toBeUndefined();
    await expect(assertPublicHost('[2606:4700:4700::1111]')).resolves.toBeUndefined();
  });
});
