package thumbs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"io"

	"golang.org/x/image/webp"
)

// maxANMF bounds the first animation frame's chunk that is read.
const maxANMF = 64 << 20

var errNoFrame = errors.New("animated WebP: no ANMF frame")

// decodeAnimatedWebP decodes the first frame of an animated WebP, which
// x/image/webp refuses: it finds the first ANMF chunk, wraps the frame's
// ALPH+VP8 or VP8L sub-chunks in a still WebP of their own, decodes that,
// and places it on the canvas at the frame's offset (transparent around
// it, which the pipeline composites onto white).
func decodeAnimatedWebP(ra io.ReaderAt, size int64) (image.Image, error) {
	canvasW, canvasH, frame, err := firstANMF(ra, size)
	if err != nil {
		return nil, err
	}
	if len(frame) < 16 {
		return nil, fmt.Errorf("animated WebP: ANMF chunk of %d bytes", len(frame))
	}
	x, y := 2*u24(frame[0:]), 2*u24(frame[3:])
	w, h := u24(frame[6:])+1, u24(frame[9:])+1
	if x+w > canvasW || y+h > canvasH {
		return nil, fmt.Errorf("animated WebP: %d×%d frame at (%d, %d) outside the %d×%d canvas", w, h, x, y, canvasW, canvasH)
	}
	still, err := stillWebP(frame[16:], w, h)
	if err != nil {
		return nil, err
	}
	img, err := webp.Decode(bytes.NewReader(still))
	if err != nil {
		return nil, fmt.Errorf("animated WebP first frame: %w", err)
	}
	if x == 0 && y == 0 && img.Bounds().Dx() == canvasW && img.Bounds().Dy() == canvasH {
		return img, nil
	}
	canvas := image.NewNRGBA(image.Rect(0, 0, canvasW, canvasH))
	draw.Draw(canvas, img.Bounds().Sub(img.Bounds().Min).Add(image.Pt(x, y)), img, img.Bounds().Min, draw.Src)
	return canvas, nil
}

// firstANMF walks the RIFF chunks of a VP8X WebP for the canvas size and
// the payload of the first ANMF chunk.
func firstANMF(ra io.ReaderAt, size int64) (w, h int, frame []byte, err error) {
	var hdr [18]byte
	for pos := int64(12); pos+8 <= size; {
		if _, err := ra.ReadAt(hdr[:8], pos); err != nil {
			return 0, 0, nil, fmt.Errorf("animated WebP: %w", err)
		}
		id, n := string(hdr[:4]), int64(binary.LittleEndian.Uint32(hdr[4:8]))
		body := pos + 8
		if n > size-body {
			return 0, 0, nil, fmt.Errorf("animated WebP: %q chunk of %d bytes overruns the file", id, n)
		}
		switch id {
		case "VP8X":
			if n < 10 {
				return 0, 0, nil, errors.New("animated WebP: short VP8X chunk")
			}
			if _, err := ra.ReadAt(hdr[8:18], body); err != nil {
				return 0, 0, nil, fmt.Errorf("animated WebP: %w", err)
			}
			w, h = u24(hdr[12:])+1, u24(hdr[15:])+1
		case "ANMF":
			if w == 0 {
				return 0, 0, nil, errors.New("animated WebP: ANMF before VP8X")
			}
			if n > maxANMF {
				return 0, 0, nil, fmt.Errorf("animated WebP: first frame of %d bytes", n)
			}
			frame = make([]byte, n)
			if _, err := ra.ReadAt(frame, body); err != nil {
				return 0, 0, nil, fmt.Errorf("animated WebP: %w", err)
			}
			return w, h, frame, nil
		}
		pos = body + n + n&1
	}
	return 0, 0, nil, errNoFrame
}

// stillWebP wraps a frame's sub-chunks (w×h pixels) as a still WebP:
// RIFF/WEBP, VP8X, then the VP8L chunk, the VP8 chunk, or ALPH + VP8 (with
// the alpha flag set). Other sub-chunks are dropped.
func stillWebP(sub []byte, w, h int) ([]byte, error) {
	var alph, img []byte // whole chunks, header and padding included
	lossless := false
	for len(sub) >= 8 {
		id, n := string(sub[:4]), int(binary.LittleEndian.Uint32(sub[4:8]))
		if n < 0 || n > len(sub)-8 {
			return nil, fmt.Errorf("animated WebP: %q sub-chunk of %d bytes overruns its frame", id, n)
		}
		chunk := sub[:min(8+n+n&1, len(sub))]
		switch id {
		case "ALPH":
			alph = chunk
		case "VP8 ", "VP8L":
			img, lossless = chunk, id == "VP8L"
		}
		if img != nil {
			break
		}
		sub = sub[len(chunk):]
	}
	if img == nil {
		return nil, errors.New("animated WebP: first frame has no VP8 or VP8L data")
	}
	// VP8X even without alpha: x/image/webp then checks that the frame's
	// bitstream is the w×h the ANMF header (already held to the canvas) says.
	vp8x := make([]byte, 18)
	copy(vp8x, "VP8X")
	binary.LittleEndian.PutUint32(vp8x[4:], 10)
	putU24(vp8x[12:], w-1)
	putU24(vp8x[15:], h-1)
	body := vp8x
	if alph != nil && !lossless {
		vp8x[8] = 0x10 // alpha
		body = append(body, alph...)
	}
	body = append(body, img...)
	out := make([]byte, 12, 12+len(body))
	copy(out, "RIFF")
	binary.LittleEndian.PutUint32(out[4:], uint32(4+len(body)))
	copy(out[8:], "WEBP")
	return append(out, body...), nil
}

func u24(b []byte) int { return int(b[0]) | int(b[1])<<8 | int(b[2])<<16 }

func putU24(b []byte, v int) { b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16) }
