package thumbs

import "encoding/binary"

// The entropy-coded side of the JPEG decoder: a 64-bit bit buffer that
// un-stuffs 0xFF00 and stops at markers, and Huffman tables with a 9-bit
// lookahead (symbol and length in one lookup) plus, for AC tables, a
// combined lookup that also yields the run and the coefficient value when
// code and value bits fit in the 9 bits.

// lookBits is the Huffman lookahead.
const lookBits = 9

// huffTable is one DHT table ready for decoding.
type huffTable struct {
	// fast[b] for the next lookBits bits b: length<<8 | symbol, or 0 when
	// the code is longer than lookBits.
	fast [1 << lookBits]uint16
	// ac[b]: value<<16 | run<<8 | code+value length, or 0; AC tables only.
	ac [1 << lookBits]int32
	// Canonical decoding for long codes: a code c of length l is valid
	// when c <= maxCode[l]; its symbol is vals[c+valOff[l]].
	maxCode [17]int32
	valOff  [17]int32
	vals    [256]uint8
	nvals   int
}

// build fills t from the 16 code counts and the symbols of a DHT table.
func (t *huffTable) build(counts [16]int, vals []byte, isAC bool) error {
	*t = huffTable{nvals: len(vals)}
	copy(t.vals[:], vals)
	code, k := int32(0), int32(0)
	for l := 1; l <= 16; l++ {
		n := int32(counts[l-1])
		if code+n > 1<<l {
			return formatErr("bad Huffman table")
		}
		t.valOff[l] = k - code
		t.maxCode[l] = -1
		if n > 0 {
			t.maxCode[l] = code + n - 1
		}
		for i := int32(0); i < n; i++ {
			if l <= lookBits {
				shift := lookBits - l
				sym := t.vals[k+i]
				base := int(code+i) << shift
				for j := range 1 << shift {
					t.fast[base+j] = uint16(l)<<8 | uint16(sym)
				}
			}
		}
		k += n
		code = (code + n) << 1
	}
	if !isAC {
		return nil
	}
	for b := range t.fast {
		e := t.fast[b]
		if e == 0 {
			continue
		}
		l, rs := int(e>>8), int(e&0xff)
		run, s := rs>>4, rs&15
		if s == 0 || l+s > lookBits {
			continue
		}
		bits := (b >> (lookBits - l - s)) & (1<<s - 1)
		v := int32(bits)
		if v < 1<<(s-1) {
			v += -1<<s + 1
		}
		t.ac[b] = v<<16 | int32(run)<<8 | int32(l+s)
	}
	return nil
}

// bitReader reads the entropy-coded segment of a scan. Past a marker or
// the end of the data it feeds zero bits and counts them in fake, so
// overread says when the scan ran out of data.
type bitReader struct {
	data   []byte
	pos    int
	acc    uint64 // valid bits, most significant first
	n      uint   // number of valid bits in acc
	fake   uint   // zero bits fed past the data
	marker bool   // stopped at a marker (data[pos] == 0xff)
	bad    bool   // an invalid Huffman code was seen
}

// fill tops acc up to more than 56 bits: whole bytes at once while the
// next eight hold no 0xff, else one at a time.
func (b *bitReader) fill() {
	if !b.marker && b.n <= 56 && b.pos+8 <= len(b.data) {
		v := binary.BigEndian.Uint64(b.data[b.pos:])
		if x := ^v; (x-0x0101010101010101)&^x&0x8080808080808080 == 0 {
			k := (64 - b.n) / 8
			b.acc |= v &^ (1<<(64-8*k) - 1) >> b.n
			b.pos += int(k)
			b.n += 8 * k
			return
		}
	}
	for b.n <= 56 {
		if b.marker || b.pos >= len(b.data) {
			b.n += 8
			b.fake += 8
			continue
		}
		c := b.data[b.pos]
		if c == 0xff {
			if b.pos+1 >= len(b.data) {
				b.pos = len(b.data)
				continue
			}
			if b.data[b.pos+1] != 0 {
				b.marker = true
				continue
			}
			b.pos += 2
		} else {
			b.pos++
		}
		b.acc |= uint64(c) << (56 - b.n)
		b.n += 8
	}
}

// overread reports whether zero bits fed past the data were consumed.
func (b *bitReader) overread() bool { return b.n < b.fake }

// reset drops the buffered bits, at a restart marker or a new scan.
func (b *bitReader) reset() {
	b.acc, b.n, b.fake, b.marker = 0, 0, 0, false
}

func (b *bitReader) bits(s uint) int32 {
	if s == 0 {
		return 0
	}
	if b.n < s {
		b.fill()
	}
	v := int32(b.acc >> (64 - s))
	b.acc <<= s
	b.n -= s
	return v
}

func (b *bitReader) bit() bool {
	if b.n < 1 {
		b.fill()
	}
	v := b.acc>>63 != 0
	b.acc <<= 1
	b.n--
	return v
}

// receiveExtend reads an s-bit magnitude and sign-extends it (F.2.2.1).
func (b *bitReader) receiveExtend(s uint) int32 {
	if s == 0 {
		return 0
	}
	v := b.bits(s)
	if v < 1<<(s-1) {
		v += -1<<s + 1
	}
	return v
}

// decode reads one Huffman-coded symbol.
func (b *bitReader) decode(t *huffTable) uint8 {
	if b.n < 16 {
		b.fill()
	}
	if e := t.fast[b.acc>>(64-lookBits)]; e != 0 {
		l := uint(e >> 8)
		b.acc <<= l
		b.n -= l
		return uint8(e)
	}
	for l := uint(lookBits + 1); l <= 16; l++ {
		c := int32(b.acc >> (64 - l))
		if c <= t.maxCode[l] {
			b.acc <<= l
			b.n -= l
			i := c + t.valOff[l]
			if i < 0 || int(i) >= t.nvals {
				break
			}
			return t.vals[i]
		}
	}
	b.bad = true
	b.acc <<= 16 // skip the garbage so the caller makes progress
	b.n -= 16
	return 0
}
