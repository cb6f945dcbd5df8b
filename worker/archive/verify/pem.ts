/** SPKI PEM (`-----BEGIN PUBLIC KEY-----`) → DER bytes. Throws on anything else. */
export function spkiPemToDer(pem: string): Uint8Array<ArrayBuffer> {
  const match = /-----BEGIN PUBLIC KEY-----([\s\S]*?)-----END PUBLIC KEY-----/.exec(pem);
  if (!match) throw new Error('not an SPKI PEM public key (no "-----BEGIN PUBLIC KEY-----" … "-----END PUBLIC KEY-----" block)');
  const base64 = (match[1] ?? '').replace(/\s+/g, '');
  if (base64.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 !== 0) {
    throw new Error('the PEM body is not valid base64');
  }
  // atob rather than Buffer: this module also runs in workerd.
  const binary = atob(base64);
  const der = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) der[index] = binary.charCodeAt(index);
  return der;
}
