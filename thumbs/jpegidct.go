package thumbs

// Inverse DCTs of one dequantized 8×8 block (natural order) into N×N
// pixels, N = 8, 4, 2 or 1. The reduced ones give the means of the 2×2,
// 4×4 and 8×8 boxes of the full IDCT's pixels (less rounding), straight
// from the coefficients: averaging k samples of the cosine series
// multiplies frequency u by sin(kθ)/(k·sin θ), θ = uπ/16, and folds
// frequency 8−v onto v (2m+1 being odd), so a box-filtered row is an
// N-point IDCT of prefiltered coefficients. A plain N-point IDCT of the
// N lowest frequencies would be sharper but rings at block edges, which
// costs 2–3 dB of PSNR against a full decode and a good downscale. The
// 8×8 one is the Loeffler–Ligtenberg–Moschytz factorisation in 13-bit
// fixed point, as libjpeg's "islow".

const (
	idctBits  = 13 // fixed-point fraction of the constants
	pass1Bits = 2  // extra precision kept between the two passes

	fix0298631336 = 2446
	fix0390180644 = 3196
	fix0541196100 = 4433
	fix0765366865 = 6270
	fix0899976223 = 7373
	fix1175875602 = 9633
	fix1501321110 = 12299
	fix1847759065 = 15137
	fix1961570560 = 16069
	fix2053119869 = 16819
	fix2562915447 = 20995
	fix3072711026 = 25172

	fix0707106781 = 5793 // 1/√2
	fix0923879533 = 7568 // cos(π/8)
	fix0382683433 = 3135 // cos(3π/8)
)

// clampPix turns a level-shifted sample into a pixel.
func clampPix(v int32) uint8 {
	v += 128
	if uint32(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return uint8(v)
}

// descale divides by 2^n, rounding.
func descale(x int32, n uint) int32 { return (x + 1<<(n-1)) >> n }

// idct8 writes the 8×8 pixels of blk to dst (stride apart).
func idct8(blk *[64]int32, dst []uint8, stride int) {
	var ws [64]int32
	for c := range 8 {
		in := blk[c:]
		if in[8]|in[16]|in[24]|in[32]|in[40]|in[48]|in[56] == 0 {
			dc := in[0] << pass1Bits
			for r := range 8 {
				ws[r*8+c] = dc
			}
			continue
		}
		t10, t11, t12, t13, t0, t1, t2, t3 := idct8Even(in[0], in[8], in[16], in[24], in[32], in[40], in[48], in[56])
		const sh = idctBits - pass1Bits
		ws[0*8+c] = descale(t10+t3, sh)
		ws[7*8+c] = descale(t10-t3, sh)
		ws[1*8+c] = descale(t11+t2, sh)
		ws[6*8+c] = descale(t11-t2, sh)
		ws[2*8+c] = descale(t12+t1, sh)
		ws[5*8+c] = descale(t12-t1, sh)
		ws[3*8+c] = descale(t13+t0, sh)
		ws[4*8+c] = descale(t13-t0, sh)
	}
	for r := range 8 {
		w := ws[r*8 : r*8+8 : r*8+8]
		out := dst[r*stride : r*stride+8 : r*stride+8]
		if w[1]|w[2]|w[3]|w[4]|w[5]|w[6]|w[7] == 0 {
			p := clampPix(descale(w[0], pass1Bits+3))
			for i := range out {
				out[i] = p
			}
			continue
		}
		t10, t11, t12, t13, t0, t1, t2, t3 := idct8Even(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7])
		const sh = idctBits + pass1Bits + 3
		out[0] = clampPix(descale(t10+t3, sh))
		out[7] = clampPix(descale(t10-t3, sh))
		out[1] = clampPix(descale(t11+t2, sh))
		out[6] = clampPix(descale(t11-t2, sh))
		out[2] = clampPix(descale(t12+t1, sh))
		out[5] = clampPix(descale(t12-t1, sh))
		out[3] = clampPix(descale(t13+t0, sh))
		out[4] = clampPix(descale(t13-t0, sh))
	}
}

// idct8Even is one 8-point pass: the even part (t10…t13) and the odd
// part (t0…t3) that idct8 combines into the eight outputs.
func idct8Even(x0, x1, x2, x3, x4, x5, x6, x7 int32) (t10, t11, t12, t13, t0, t1, t2, t3 int32) {
	z1 := (x2 + x6) * fix0541196100
	e2 := z1 - x6*fix1847759065
	e3 := z1 + x2*fix0765366865
	e0 := (x0 + x4) << idctBits
	e1 := (x0 - x4) << idctBits
	t10, t13 = e0+e3, e0-e3
	t11, t12 = e1+e2, e1-e2

	t0, t1, t2, t3 = x7, x5, x3, x1
	z1 = t0 + t3
	z2 := t1 + t2
	z3 := t0 + t2
	z4 := t1 + t3
	z5 := (z3 + z4) * fix1175875602
	t0 *= fix0298631336
	t1 *= fix2053119869
	t2 *= fix3072711026
	t3 *= fix1501321110
	z1 *= -fix0899976223
	z2 *= -fix2562915447
	z3 = z3*-fix1961570560 + z5
	z4 = z4*-fix0390180644 + z5
	t0 += z1 + z3
	t1 += z2 + z4
	t2 += z2 + z3
	t3 += z1 + z4
	return
}

// Prefilter constants, 12-bit: cos and sin of uπ/16 for the 2-box, and
// the 4-box gains sin(4θ)/(4 sin θ) of frequencies 1, 3, 5 and 7 (the even
// ones vanish or fold onto the DC with gain 0).
const (
	preBits = 12
	box2c1  = 4017 // cos(π/16)
	box2s1  = 799  // sin(π/16)
	box2c2  = 3784 // cos(2π/16)
	box2s2  = 1567 // sin(2π/16)
	box2c3  = 3406 // cos(3π/16)
	box2s3  = 2276 // sin(3π/16)
	box4w1  = 3712 // 0.906127
	box4w3  = 1303 // 0.318190
	box4w5  = 871  // 0.212608
	box4w7  = 738  // 0.180240
)

// box2Fold maps the 8 frequencies x[0], x[s], …, x[7s] of one row or
// column to the 4 of its 2-box mean.
func box2Fold(x []int32, s int) (g0, g1, g2, g3 int32) {
	return x[0],
		descale(x[s]*box2c1-x[7*s]*box2s1, preBits),
		descale(x[2*s]*box2c2-x[6*s]*box2s2, preBits),
		descale(x[3*s]*box2c3-x[5*s]*box2s3, preBits)
}

// box4Fold is the odd frequency of the 4-box mean of one row or column;
// its DC is x[0].
func box4Fold(x []int32, s int) int32 {
	return x[s]*box4w1 - x[3*s]*box4w3 + x[5*s]*box4w5 - x[7*s]*box4w7
}

// idct4 writes the 2×2 box means of blk's pixels, 4×4 of them, to dst.
func idct4(blk *[64]int32, dst []uint8, stride int) {
	var h, g [64]int32
	for c := range 8 { // fold the columns: 8 rows to 4
		h[c], h[8+c], h[16+c], h[24+c] = box2Fold(blk[c:], 8)
	}
	for r := range 4 { // then the rows
		g[r*8], g[r*8+1], g[r*8+2], g[r*8+3] = box2Fold(h[r*8:], 1)
	}
	idct4Low(&g, dst, stride)
}

// idct4Low writes the 4-point IDCT of the 4×4 lowest frequencies of blk.
func idct4Low(blk *[64]int32, dst []uint8, stride int) {
	var ws [16]int32
	for c := range 4 {
		in := blk[c:]
		e0, e1, o0, o1 := idct4Pass(in[0], in[8], in[16], in[24])
		const sh = idctBits - pass1Bits
		ws[0*4+c] = descale(e0+o0, sh)
		ws[3*4+c] = descale(e0-o0, sh)
		ws[1*4+c] = descale(e1+o1, sh)
		ws[2*4+c] = descale(e1-o1, sh)
	}
	for r := range 4 {
		w := ws[r*4 : r*4+4 : r*4+4]
		out := dst[r*stride : r*stride+4 : r*stride+4]
		e0, e1, o0, o1 := idct4Pass(w[0], w[1], w[2], w[3])
		const sh = idctBits + pass1Bits + 2
		out[0] = clampPix(descale(e0+o0, sh))
		out[3] = clampPix(descale(e0-o0, sh))
		out[1] = clampPix(descale(e1+o1, sh))
		out[2] = clampPix(descale(e1-o1, sh))
	}
}

// idct4Pass is the 4-point series of the frequencies 0–3 of an 8-point
// DCT, in two even and two odd parts: the outputs are e0±o0 and e1±o1.
func idct4Pass(x0, x1, x2, x3 int32) (e0, e1, o0, o1 int32) {
	return (x0 + x2) * fix0707106781, (x0 - x2) * fix0707106781,
		x1*fix0923879533 + x3*fix0382683433, x1*fix0382683433 - x3*fix0923879533
}

// idct2 writes the 4×4 box means of blk's pixels, 2×2 of them, to dst.
func idct2(blk *[64]int32, dst []uint8, stride int) {
	a := blk[0]
	b := descale(box4Fold(blk[:], 1), preBits)
	c := descale(box4Fold(blk[:], 8), preBits)
	var t [8]int32
	for r := 1; r < 8; r += 2 {
		t[r] = descale(box4Fold(blk[r*8:], 1), preBits)
	}
	g := [64]int32{0: a, 1: b, 8: c, 9: descale(box4Fold(t[:], 1), preBits)}
	idct2Low(&g, dst, stride)
}

// idct2Low writes the 2-point IDCT of the 2×2 lowest frequencies of blk.
func idct2Low(blk *[64]int32, dst []uint8, stride int) {
	a, b, c, d := blk[0], blk[1], blk[8], blk[9]
	dst[0] = clampPix(descale(a+b+c+d, 3))
	dst[1] = clampPix(descale(a-b+c-d, 3))
	dst[stride] = clampPix(descale(a+b-c-d, 3))
	dst[stride+1] = clampPix(descale(a-b-c+d, 3))
}

// idct1 writes the mean of blk to dst.
func idct1(blk *[64]int32, dst []uint8, _ int) {
	dst[0] = clampPix(descale(blk[0], 3))
}
