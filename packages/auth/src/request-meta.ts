// Client details (user agent, IP) as stored with sessions and audit entries: bounded and printable.

export const USER_AGENT_MAX_LENGTH = 512;
const IP_MAX_LENGTH = 64;

/**
 * Control characters are dropped (PostgreSQL refuses NUL in text, and they would let a client forge
 * lines in anything that prints the value); the rest is cut to a whole number of code points.
 */
function clean(value: string | null | undefined, maxLength: number): string | null {
  if (value == null) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  const printable = value.replace(/[\u0000-\u001f\u007f]/g, '');
  if (printable.length <= maxLength) return printable;
  return Array.from(printable).slice(0, maxLength).join('');
}

export function cleanUserAgent(userAgent: string | null | undefined): string | null {
  return clean(userAgent, USER_AGENT_MAX_LENGTH);
}

export function cleanIp(ip: string | null | undefined): string | null {
  return clean(ip, IP_MAX_LENGTH);
}
