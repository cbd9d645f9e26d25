// Showing an address back without spelling it out: enough for the customer to recognise it, not enough to harvest
// it from a screen or a log.

/** "j•••@example.com". */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return at <= 0 ? '•••' : `${email.slice(0, 1)}•••${email.slice(at)}`;
}
