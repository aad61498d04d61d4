/**
 * Joining independently compressed chunks into ONE deflate stream (a zip entry, a one-member gzip).
 *
 * libdeflate, the fast compressor, only writes complete streams: the last block carries the
 * BFINAL bit and the stream ends mid-byte. To put several side by side, each chunk's last block
 * must be made non-final and the chunk must end on a byte boundary, which is what zlib's
 * Z_FULL_FLUSH / pigz --independent write: an empty stored block (`00 00 ff ff`). The stream is
 * closed by one empty final block (`03 00`). Finding the last block needs a walk over the
 * chunk's Huffman codes (no output is produced); the positions are kept with each chunk in the
 * store so the walk happens once per chunk.
 */

export interface FinalBlock {
  /** Bit offset of the final block's header (its first bit is BFINAL). */
  finalBlockBit: number;
  /** Bit offset just past the final block's end-of-block code. */
  endBit: number;
}

/** An empty final block with fixed codes: closes a stream made of non-final chunks. */
export const FINAL_EMPTY_BLOCK = Uint8Array.from([0x03, 0x00]);

const LENGTH_EXTRA_BITS = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]);
const DISTANCE_EXTRA_BITS = Uint8Array.from([
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
]);
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

interface DecodeTable {
  /** Indexed by the next `bits` input bits: (symbol << 4) | code length; 0 = no such code. */
  entries: Int32Array;
  mask: number;
}

function decodeTable(lengths: Uint8Array): DecodeTable {
  let maxLength = 1;
  const count = new Uint16Array(16);
  for (const length of lengths) {
    count[length]++;
    if (length > maxLength) maxLength = length;
  }
  count[0] = 0;
  const nextCode = new Uint16Array(16);
  for (let length = 1, code = 0; length <= 15; length++) {
    code = (code + count[length - 1]) << 1;
    nextCode[length] = code;
  }
  const entries = new Int32Array(1 << maxLength);
  for (let symbol = 0; symbol < lengths.length; symbol++) {
    const length = lengths[symbol];
    if (length === 0) continue;
    // Huffman codes are sent most significant bit first into an LSB-first bit stream.
    let code = nextCode[length]++;
    let reversed = 0;
    for (let i = 0; i < length; i++, code >>= 1) reversed = (reversed << 1) | (code & 1);
    for (let i = reversed; i < entries.length; i += 1 << length) entries[i] = (symbol << 4) | length;
  }
  return { entries, mask: entries.length - 1 };
}

const FIXED_LITERALS = decodeTable(Uint8Array.from({ length: 288 }, (_, s) => (s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8)));
const FIXED_DISTANCES = decodeTable(new Uint8Array(30).fill(5));

/**
 * Skips a Huffman-coded block's symbols up to its end-of-block code; returns the bit after it.
 * The hot loop of the walk, written like zlib's inflate_fast: a bit buffer in a local, refilled
 * two bytes at a time, one table lookup per code.
 */
function skipSymbols(data: Uint8Array, length: number, bit: number, literals: DecodeTable, distances: DecodeTable): number {
  const literalEntries = literals.entries;
  const literalMask = literals.mask;
  const distanceEntries = distances.entries;
  const distanceMask = distances.mask;
  let at = bit >>> 3;
  let hold = data[at++] >>> (bit & 7);
  let bits = 8 - (bit & 7);
  for (;;) {
    if (bits < 15) {
      if (at * 8 - bits > length * 8) throw new Error('not a valid deflate stream: truncated');
      hold |= (data[at++] << bits) | (data[at++] << (bits + 8));
      bits += 16;
    }
    const entry = literalEntries[hold & literalMask];
    const codeLength = entry & 15;
    if (codeLength === 0) throw new Error('not a valid deflate stream: bad literal/length code');
    hold >>>= codeLength;
    bits -= codeLength;
    const symbol = entry >>> 4;
    if (symbol < 256) continue;
    if (symbol === 256) return at * 8 - bits;
    const lengthExtra = LENGTH_EXTRA_BITS[symbol - 257];
    if (bits < 15) {
      hold |= (data[at++] << bits) | (data[at++] << (bits + 8));
      bits += 16;
    }
    hold >>>= lengthExtra;
    bits -= lengthExtra;
    if (bits < 15) {
      hold |= (data[at++] << bits) | (data[at++] << (bits + 8));
      bits += 16;
    }
    const distance = distanceEntries[hold & distanceMask];
    const distanceLength = distance & 15;
    if (distanceLength === 0) throw new Error('not a valid deflate stream: bad distance code');
    hold >>>= distanceLength;
    bits -= distanceLength;
    const distanceExtra = DISTANCE_EXTRA_BITS[distance >>> 4];
    if (bits < 13) {
      hold |= (data[at++] << bits) | (data[at++] << (bits + 8));
      bits += 16;
    }
    hold >>>= distanceExtra;
    bits -= distanceExtra;
  }
}

/** Walks a complete raw deflate stream and says where its final block starts and ends. */
export function locateFinalBlock(stream: Uint8Array): FinalBlock {
  const data = new Uint8Array(stream.length + 8); // zero padding: peeks past the end stay in bounds
  data.set(stream);
  const totalBits = stream.length * 8;
  const peek = (bit: number) => {
    const at = bit >>> 3;
    return ((data[at] | (data[at + 1] << 8) | (data[at + 2] << 16) | (data[at + 3] << 24)) >>> (bit & 7)) >>> 0;
  };
  const fail = (why: string): never => {
    throw new Error(`not a valid deflate stream: ${why}`);
  };
  let bit = 0;
  for (;;) {
    const blockStart = bit;
    const header = peek(bit);
    bit += 3;
    const final = header & 1;
    const type = (header >>> 1) & 3;
    if (type === 0) {
      bit = (bit + 7) & ~7;
      const length = data[bit >>> 3] | (data[(bit >>> 3) + 1] << 8);
      bit += 32 + length * 8;
    } else if (type === 3) {
      fail('reserved block type');
    } else {
      let literals = FIXED_LITERALS;
      let distances = FIXED_DISTANCES;
      if (type === 2) {
        const sizes = peek(bit);
        const literalCount = (sizes & 31) + 257;
        const distanceCount = ((sizes >>> 5) & 31) + 1;
        const codeLengthCount = ((sizes >>> 10) & 15) + 4;
        bit += 14;
        const codeLengthLengths = new Uint8Array(19);
        for (let i = 0; i < codeLengthCount; i++, bit += 3) codeLengthLengths[CODE_LENGTH_ORDER[i]] = peek(bit) & 7;
        const codeLengths = decodeTable(codeLengthLengths);
        const lengths = new Uint8Array(literalCount + distanceCount);
        for (let i = 0; i < lengths.length; ) {
          const entry = codeLengths.entries[peek(bit) & codeLengths.mask];
          if ((entry & 15) === 0) fail('bad code length code');
          bit += entry & 15;
          const symbol = entry >>> 4;
          if (symbol < 16) lengths[i++] = symbol;
          else if (symbol === 16) {
            if (i === 0) fail('repeat with nothing before it');
            const repeat = 3 + (peek(bit) & 3);
            bit += 2;
            lengths.fill(lengths[i - 1], i, i + repeat);
            i += repeat;
          } else if (symbol === 17) {
            i += 3 + (peek(bit) & 7);
            bit += 3;
          } else {
            i += 11 + (peek(bit) & 127);
            bit += 7;
          }
          if (i > lengths.length) fail('code lengths overflow');
        }
        literals = decodeTable(lengths.subarray(0, literalCount));
        distances = decodeTable(lengths.subarray(literalCount));
      }
      bit = skipSymbols(data, stream.length, bit, literals, distances);
    }
    if (bit > totalBits) fail('truncated');
    if (final) return { finalBlockBit: blockStart, endBit: bit };
  }
}

/**
 * The chunk as a non-final piece of a longer stream: BFINAL cleared, then an empty stored block
 * that ends on a byte boundary. Only the stream's own bytes and the two positions decide the
 * result, so it is the same whoever computes it.
 */
export function toNonFinal(stream: Uint8Array, final: FinalBlock = locateFinalBlock(stream)): Buffer {
  const out = Buffer.alloc(nonFinalLength(final));
  out.set(stream.subarray(0, Math.min(stream.length, out.length)));
  makeNonFinalInPlace(out, stream.length, final);
  return out;
}

/** Length of the non-final form, known from the positions alone (a zip header needs it first). */
export function nonFinalLength(final: FinalBlock): number {
  // 3 zero bits (BFINAL=0, BTYPE=stored), zero padding to the byte boundary, LEN=0, NLEN=0xffff.
  return Math.ceil((final.endBit + 3) / 8) + 4;
}

/**
 * The same in place: `buffer` holds the stream in its first `length` bytes and has room for
 * nonFinalLength(final) bytes; returns that length.
 */
export function makeNonFinalInPlace(buffer: Uint8Array, length: number, final: FinalBlock): number {
  const { finalBlockBit, endBit } = final;
  if (endBit > length * 8 || finalBlockBit >= endBit) throw new Error('final block positions do not fit the stream');
  const total = nonFinalLength(final);
  if (buffer.length < total) throw new Error('no room for the non-final form');
  const storedHeaderEnd = total - 4;
  buffer[finalBlockBit >>> 3] &= ~(1 << (finalBlockBit & 7));
  buffer[endBit >>> 3] &= (1 << (endBit & 7)) - 1;
  buffer.fill(0, (endBit >>> 3) + 1, storedHeaderEnd);
  buffer.set([0x00, 0x00, 0xff, 0xff], storedHeaderEnd);
  return total;
}
