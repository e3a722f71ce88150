/** The address to reach a published port at: a wildcard binding is reached on loopback. */
export function hostFor(ip: string): string {
  if (ip === '' || ip === '0.0.0.0') return '127.0.0.1';
  if (ip === '::') return '::1';
  return ip;
}
