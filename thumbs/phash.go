package thumbs

import (
	"image"
	"math"
	"slices"

	"github.com/disintegration/imaging"
)

// phash is the 64-bit DCT perceptual hash of img (pHash.org's recipe): the
// image squashed to 32×32 grey, a 2-D DCT-II, the 8×8 coefficients just past
// the DC row and column (u, v in 1..8), one bit per coefficient set when it
// is above their median. Bit 63−(8·(v−1)+(u−1)) is coefficient (u, v).
// Similar pictures are a small Hamming distance apart (bits.OnesCount64 of
// the XOR); unrelated ones about 32.
func phash(img image.Image) uint64 {
	const n, k = 32, 8
	small := imaging.Resize(img, n, n, imaging.Box)
	var g [n][n]float64
	for y := range n {
		for x := range n {
			p := small.Pix[y*small.Stride+4*x:]
			g[y][x] = 0.299*float64(p[0]) + 0.587*float64(p[1]) + 0.114*float64(p[2])
		}
	}
	var cos [k + 1][n]float64 // cos[u][x] = cos((2x+1)uπ / 2n)
	for u := 1; u <= k; u++ {
		for x := range n {
			cos[u][x] = math.Cos(float64((2*x+1)*u) * math.Pi / (2 * n))
		}
	}
	var rows [n][k + 1]float64 // 1-D DCT of each row, u in 1..k
	for y := range n {
		for u := 1; u <= k; u++ {
			for x := range n {
				rows[y][u] += g[y][x] * cos[u][x]
			}
		}
	}
	coef := make([]float64, 0, k*k)
	for v := 1; v <= k; v++ {
		for u := 1; u <= k; u++ {
			var s float64
			for y := range n {
				s += rows[y][u] * cos[v][y]
			}
			coef = append(coef, s)
		}
	}
	sorted := slices.Clone(coef)
	slices.Sort(sorted)
	median := (sorted[k*k/2-1] + sorted[k*k/2]) / 2
	var h uint64
	for _, c := range coef {
		h <<= 1
		if c > median {
			h |= 1
		}
	}
	return h
}
