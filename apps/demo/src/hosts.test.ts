import { describe, expect, it } from 'vitest';
import { hostAllowed, isLoopbackName, listenHostName, parseHost, urlHostEntry } from './hosts.js';

describe('parseHost', () => {
  it.each([
    ['localhost', 'localhost', undefined],
    ['LOCALHOST:4000', 'localhost', 4000],
    ['localhost.', 'localhost', undefined],
    ['Calls.Example.:8443', 'calls.example', 8443],
    ['127.0.0.1:65535', '127.0.0.1', 65_535],
    ['[::1]', '[::1]', undefined],
    ['[::1]:4000', '[::1]', 4000],
    ['my_service:4000', 'my_service', 4000],
  ])('reads %j as %j with port %j', (value, name, port) => {
    expect(parseHost(value)).toEqual({ name, port });
  });

  it.each([
    ['an empty value', ''],
    ['user info', 'a@localhost'],
    ['an empty port', 'localhost:'],
    ['port 0', 'localhost:0'],
    ['a port above 65535', 'localhost:65536'],
    ['a port with a leading zero', 'localhost:04000'],
    ['a port in hex', 'localhost:0x50'],
    ['a signed port', 'localhost:+80'],
    ['two ports', 'localhost:80:80'],
    ['two trailing dots', 'localhost..'],
    ['an empty label', 'calls..example'],
    ['a path', 'localhost/x'],
    ['a space', 'local host'],
    ['text after an IPv6 address', '[::1].evil'],
    ['an IPv6 address without brackets', '::1'],
    ['a label starting with a hyphen', '-calls.example'],
    ['a label of 64 characters', `${'a'.repeat(64)}.example`],
  ])('refuses %s (%j)', (_, value) => {
    expect(parseHost(value)).toBeNull();
  });
});

describe('isLoopbackName', () => {
  it.each(['localhost', '[::1]', '127.0.0.1', '127.0.0.2', '127.255.255.254', '127.1.2.3'])(
    'counts %j as loopback',
    (name) => {
      expect(isLoopbackName(name)).toBe(true);
    },
  );

  it.each([
    '127.evil.example',
    '127.0.0.1.nip.evil.example',
    'localhost.evil.example',
    '127.1',
    '127.0.1',
    '0x7f.0.0.1',
    '0177.0.0.1',
    '127.0.0.01',
    '127.0.0.256',
    '127.0.0.1.1',
    '[::2]',
    'localhost2',
  ])('does not count %j as loopback', (name) => {
    expect(isLoopbackName(name)).toBe(false);
  });
});

describe('hostAllowed', () => {
  const publicUrl = urlHostEntry('https://calls.example')!;
  const entries = [
    publicUrl,
    urlHostEntry('http://ops.example:8080')!,
    { name: 'any-port.example' },
    { name: 'one-port.example', ports: [8443] },
  ];
  const allowed = (value: string) => hostAllowed(parseHost(value)!, entries);

  it('takes the host of a URL without a port with no port or its scheme default', () => {
    expect(publicUrl).toEqual({ name: 'calls.example', ports: [undefined, 443] });
    expect(allowed('calls.example')).toBe(true);
    expect(allowed('calls.example:443')).toBe(true);
    expect(allowed('calls.example:80')).toBe(false);
    expect(allowed('calls.example:4000')).toBe(false);
  });

  it('takes the host of a URL with a port with that port only', () => {
    expect(allowed('ops.example:8080')).toBe(true);
    expect(allowed('ops.example')).toBe(false);
    expect(allowed('ops.example:8081')).toBe(false);
  });

  it('takes a name without ports with any, and one with a port with that one', () => {
    expect(allowed('any-port.example')).toBe(true);
    expect(allowed('any-port.example:1234')).toBe(true);
    expect(allowed('one-port.example:8443')).toBe(true);
    expect(allowed('one-port.example')).toBe(false);
  });

  it('takes the loopback literals with any port, and no other name', () => {
    expect(allowed('127.0.0.1:9')).toBe(true);
    expect(allowed('[::1]:4000')).toBe(true);
    expect(allowed('sub.calls.example')).toBe(false);
    expect(allowed('calls.example.evil')).toBe(false);
  });
});

describe('listenHostName', () => {
  it('puts an IPv6 listen address in brackets', () => {
    expect(listenHostName('::1')).toEqual({ name: '[::1]', port: undefined });
    expect(listenHostName('demo.internal')).toEqual({ name: 'demo.internal', port: undefined });
  });
});
