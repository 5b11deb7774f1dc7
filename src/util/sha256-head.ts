/**
 * The first 64 bits of SHA-256 of a short text (UTF-8), in plain JavaScript: the split hashes
 * every sample id (tens of thousands per run and per data check), and for texts this short the
 * native `crypto.hash` call costs about twice the hashing itself. The same function as
 * node:crypto's sha256 (FIPS 180-4), tested against it bit for bit (test/util/sha256-head.test.ts);
 * it is no faster for long texts and is not meant for them.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
])
const W = new Int32Array(64)
const encoder = new TextEncoder()
let buf = new Uint8Array(512)

/** Words 0 and 1 (big-endian, unsigned) of sha256(text): `out[0]`, `out[1]`. */
export const sha256Head = (text: string, out: Uint32Array): void => {
  // UTF-8 takes at most 3 bytes per UTF-16 unit; padding adds at most 72
  const need = text.length * 3 + 72
  if (buf.length < need) buf = new Uint8Array(need * 2)
  const n = encoder.encodeInto(text, buf).written
  const len = (((n + 8) >> 6) + 1) * 64
  buf[n] = 0x80
  buf.fill(0, n + 1, len)
  // the message length in bits, 64-bit big-endian
  const bits = n * 8
  buf[len - 5] = Math.floor(n / 2 ** 29)
  buf[len - 4] = bits >>> 24
  buf[len - 3] = bits >>> 16
  buf[len - 2] = bits >>> 8
  buf[len - 1] = bits
  let h0 = 0x6a09e667 | 0, h1 = 0xbb67ae85 | 0, h2 = 0x3c6ef372 | 0, h3 = 0xa54ff53a | 0
  let h4 = 0x510e527f | 0, h5 = 0x9b05688c | 0, h6 = 0x1f83d9ab | 0, h7 = 0x5be0cd19 | 0
  for (let off = 0; off < len; off += 64) {
    for (let i = 0; i < 16; i++) {
      const p = off + i * 4
      W[i] = (buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!
    }
    for (let i = 16; i < 64; i++) {
      const x = W[i - 15]!
      const y = W[i - 2]!
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)
      W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0
      h = g
      g = f
      f = e
      e = (d + t1) | 0
      d = c
      c = b
      b = a
      a = (t1 + t2) | 0
    }
    h0 = (h0 + a) | 0
    h1 = (h1 + b) | 0
    h2 = (h2 + c) | 0
    h3 = (h3 + d) | 0
    h4 = (h4 + e) | 0
    h5 = (h5 + f) | 0
    h6 = (h6 + g) | 0
    h7 = (h7 + h) | 0
  }
  out[0] = h0
  out[1] = h1
}
