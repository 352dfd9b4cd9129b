package api

import (
	"fmt"
	"image"
	"math"
	"strconv"
	"strings"
)

// The IIIF Image API 3.0 request syntax (https://iiif.io/api/image/3.0/):
// {region}/{size}/{rotation}/{quality}.{format}. Parsing checks the syntax
// alone; resolving against the image's size applies the rules that need it
// (bounds, upscaling, limits). Both fail with an *iiifError carrying the
// status the specification asks for.

// iiifError is a request the Image API refuses: Status is 400 for syntax
// and for sizes the rules forbid; Param names the path segment.
type iiifError struct {
	Status int
	Param  string
	Reason string
}

func (e *iiifError) Error() string { return "iiif: " + e.Param + ": " + e.Reason }

func badIIIF(param, format string, a ...any) error {
	return &iiifError{Status: 400, Param: param, Reason: fmt.Sprintf(format, a...)}
}

// iiifRegion is the region segment: full, square, x,y,w,h or pct:x,y,w,h.
type iiifRegion struct {
	kind       string  // full | square | px | pct
	x, y, w, h float64 // pixels (px, whole numbers) or percent (pct)
}

// iiifSize is the size segment. kind is max, w (w,), h (,h), pct, wh (w,h)
// or confined (!w,h); up is the ^ prefix.
type iiifSize struct {
	kind string
	up   bool
	w, h int
	pct  float64
}

// iiifRequest is a parsed image request.
type iiifRequest struct {
	region   iiifRegion
	size     iiifSize
	mirror   bool
	rotation int    // 0, 90, 180 or 270
	quality  string // default | color | gray
	format   string // jpg | png
}

// iiifFormats are the formats served, with their media types.
func iiifFormatMIME(format string) (string, bool) {
	switch format {
	case "jpg":
		return "image/jpeg", true
	case "png":
		return "image/png", true
	}
	return "", false
}

// parseIIIFRequest parses the four segments after the identifier; file is
// "{quality}.{format}".
func parseIIIFRequest(region, size, rotation, file string) (iiifRequest, error) {
	var q iiifRequest
	var err error
	if q.region, err = parseIIIFRegion(region); err != nil {
		return q, err
	}
	if q.size, err = parseIIIFSize(size); err != nil {
		return q, err
	}
	if q.mirror, q.rotation, err = parseIIIFRotation(rotation); err != nil {
		return q, err
	}
	quality, format, ok := strings.Cut(file, ".")
	if !ok {
		return q, badIIIF("format", "the last segment is {quality}.{format}, as default.jpg")
	}
	switch quality {
	case "default", "color", "gray":
		q.quality = quality
	case "bitonal":
		return q, badIIIF("quality", "bitonal is not offered; use default, color or gray")
	default:
		return q, badIIIF("quality", "%q is not one of default, color, gray", quality)
	}
	if _, ok := iiifFormatMIME(format); !ok {
		return q, badIIIF("format", "%q is not one of jpg, png", format)
	}
	q.format = format
	return q, nil
}

func parseIIIFRegion(s string) (iiifRegion, error) {
	switch s {
	case "full", "square":
		return iiifRegion{kind: s}, nil
	}
	kind, nums, percent := "px", s, false
	if rest, ok := strings.CutPrefix(s, "pct:"); ok {
		kind, nums, percent = "pct", rest, true
	}
	parts := strings.Split(nums, ",")
	if len(parts) != 4 {
		return iiifRegion{}, badIIIF("region", "%q is not full, square, x,y,w,h or pct:x,y,w,h", s)
	}
	var v [4]float64
	for i, p := range parts {
		var err error
		if percent {
			v[i], err = iiifFloat(p)
		} else {
			var n int
			n, err = iiifInt(p)
			v[i] = float64(n)
		}
		if err != nil {
			return iiifRegion{}, badIIIF("region", "%q: %v", s, err)
		}
	}
	if v[2] == 0 || v[3] == 0 {
		return iiifRegion{}, badIIIF("region", "%q has a zero width or height", s)
	}
	return iiifRegion{kind: kind, x: v[0], y: v[1], w: v[2], h: v[3]}, nil
}

func parseIIIFSize(s string) (iiifSize, error) {
	var z iiifSize
	rest, up := strings.CutPrefix(s, "^")
	z.up = up
	bad := func(format string, a ...any) (iiifSize, error) {
		return iiifSize{}, badIIIF("size", "%q: "+format, append([]any{s}, a...)...)
	}
	switch {
	case rest == "max":
		z.kind = "max"
		return z, nil
	case strings.HasPrefix(rest, "pct:"):
		p, err := iiifFloat(rest[4:])
		if err != nil {
			return bad("%v", err)
		}
		if p == 0 {
			return bad("a percentage of 0 has no pixels")
		}
		if p > 100 && !up {
			return bad("more than 100 percent needs ^ (upscaling)")
		}
		z.kind, z.pct = "pct", p
		return z, nil
	}
	confined := strings.HasPrefix(rest, "!")
	if confined {
		rest = rest[1:]
	}
	ws, hs, ok := strings.Cut(rest, ",")
	if !ok {
		return bad("not max, pct:n, w, ,h, w,h or !w,h (each optionally after ^)")
	}
	var err error
	switch {
	case ws != "" && hs == "" && !confined:
		z.kind = "w"
		z.w, err = iiifInt(ws)
	case ws == "" && hs != "" && !confined:
		z.kind = "h"
		z.h, err = iiifInt(hs)
	case ws != "" && hs != "":
		z.kind = "wh"
		if confined {
			z.kind = "confined"
		}
		if z.w, err = iiifInt(ws); err == nil {
			z.h, err = iiifInt(hs)
		}
	default:
		return bad("not max, pct:n, w, ,h, w,h or !w,h (each optionally after ^)")
	}
	if err != nil {
		return bad("%v", err)
	}
	if z.w == 0 && z.kind != "h" || z.h == 0 && z.kind != "w" {
		return bad("a width or height of 0 has no pixels")
	}
	return z, nil
}

func parseIIIFRotation(s string) (mirror bool, deg int, err error) {
	rest, mirror := strings.CutPrefix(s, "!")
	f, err := iiifFloat(rest)
	if err != nil {
		return false, 0, badIIIF("rotation", "%q: %v", s, err)
	}
	if f > 360 {
		return false, 0, badIIIF("rotation", "%q is outside 0–360", s)
	}
	if f != math.Trunc(f) || int(f)%90 != 0 {
		return false, 0, badIIIF("rotation", "%q: only multiples of 90 degrees are offered", s)
	}
	return mirror, int(f) % 360, nil
}

// iiifInt parses a non-negative integer of decimal digits only.
func iiifInt(s string) (int, error) {
	if s == "" || len(s) > 9 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a whole number of at most 9 digits", s)
	}
	return strconv.Atoi(s)
}

// iiifFloat parses a number of decimal digits with at most one '.' (no
// sign, no exponent), as the specification's floating point values are.
func iiifFloat(s string) (float64, error) {
	intPart, frac, dot := strings.Cut(s, ".")
	if intPart == "" || len(s) > 16 || strings.TrimLeft(intPart, "0123456789") != "" ||
		dot && (frac == "" || strings.TrimLeft(frac, "0123456789") != "") {
		return 0, fmt.Errorf("%q is not a number of digits and one optional '.'", s)
	}
	return strconv.ParseFloat(s, 64)
}

// iiifLimits is the image a request is resolved against: its full size
// and the largest output allowed (maxWidth, maxHeight of info.json).
type iiifLimits struct {
	width, height int
	maxW, maxH    int
}

// iiifPlan is a resolved request: the crop of the full image, the size it
// is scaled to (before rotation), then mirroring, rotation and quality.
type iiifPlan struct {
	crop     image.Rectangle
	w, h     int
	mirror   bool
	rotation int
	gray     bool
	format   string
}

// resolve applies the request to an image of l's size. Values are rounded
// down, as iiif-processor does (the specification leaves rounding to the
// implementation): a region in percent, a missing dimension kept in
// proportion, a percentage size and the limits.
func (q iiifRequest) resolve(l iiifLimits) (iiifPlan, error) {
	p := iiifPlan{mirror: q.mirror, rotation: q.rotation, gray: q.quality == "gray", format: q.format}
	W, H := l.width, l.height
	switch q.region.kind {
	case "full":
		p.crop = image.Rect(0, 0, W, H)
	case "square":
		side := min(W, H)
		x, y := (W-side)/2, (H-side)/2
		p.crop = image.Rect(x, y, x+side, y+side)
	case "px":
		r := q.region
		p.crop = image.Rect(int(r.x), int(r.y), int(r.x)+int(r.w), int(r.y)+int(r.h))
	case "pct":
		r := q.region
		x, y := floorNear(float64(W)*r.x/100), floorNear(float64(H)*r.y/100)
		w, h := floorNear(float64(W)*r.w/100), floorNear(float64(H)*r.h/100)
		if w == 0 || h == 0 {
			return p, badIIIF("region", "the region is less than a pixel")
		}
		p.crop = image.Rect(x, y, x+w, y+h)
	}
	if p.crop.Min.X >= W || p.crop.Min.Y >= H {
		return p, badIIIF("region", "the region is outside the %d×%d image", W, H)
	}
	p.crop = p.crop.Intersect(image.Rect(0, 0, W, H))
	rw, rh := p.crop.Dx(), p.crop.Dy()
	z := q.size
	switch z.kind {
	case "max":
		p.w, p.h = rw, rh
		if z.up || rw > l.maxW || rh > l.maxH {
			p.w, p.h = fitInto(rw, rh, l.maxW, l.maxH, false)
		}
	case "w":
		p.w, p.h = z.w, int(int64(z.w)*int64(rh)/int64(rw))
	case "h":
		p.w, p.h = int(int64(z.h)*int64(rw)/int64(rh)), z.h
	case "pct":
		p.w = floorNear(float64(rw) * z.pct / 100)
		p.h = int(int64(p.w) * int64(rh) / int64(rw))
	case "wh":
		p.w, p.h = z.w, z.h
	case "confined":
		bw, bh := z.w, z.h
		if !z.up {
			bw, bh = min(bw, rw), min(bh, rh)
		}
		bw, bh = min(bw, l.maxW), min(bh, l.maxH)
		p.w, p.h = fitInto(rw, rh, bw, bh, true)
	}
	if p.w < 1 || p.h < 1 {
		return p, badIIIF("size", "the image would be less than a pixel")
	}
	if !z.up && (p.w > rw || p.h > rh) {
		return p, badIIIF("size", "%d×%d is larger than the %d×%d region; ask with ^ to upscale", p.w, p.h, rw, rh)
	}
	if p.w > l.maxW || p.h > l.maxH {
		return p, badIIIF("size", "%d×%d is larger than this image's limit of %d×%d (maxWidth, maxHeight)", p.w, p.h, l.maxW, l.maxH)
	}
	return p, nil
}

// fitInto scales w×h to fill bw×bh on the side that limits, keeping the
// aspect ratio; the other side is rounded to nearest (!w,h, as sharp
// does under iiif-processor) or down (max under limits, as iiif-processor).
func fitInto(w, h, bw, bh int, nearest bool) (int, int) {
	half := func(d int) int64 {
		if nearest {
			return int64(d) / 2
		}
		return 0
	}
	if int64(bw)*int64(h) <= int64(bh)*int64(w) {
		return bw, int((int64(bw)*int64(h) + half(w)) / int64(w))
	}
	return int((int64(bh)*int64(w) + half(h)) / int64(h)), bh
}

// floorNear rounds down, taking a value within a millionth below a whole
// number as that number (41.6 % of 1000 is 416, not 415.99…).
func floorNear(v float64) int { return int(math.Floor(v + 1e-6)) }

// canonical is the plan in the canonical URI form of the specification
// (4.8), for the cache key and the Link header.
func (p iiifPlan) canonical(l iiifLimits) string {
	region := "full"
	if p.crop != image.Rect(0, 0, l.width, l.height) {
		region = fmt.Sprintf("%d,%d,%d,%d", p.crop.Min.X, p.crop.Min.Y, p.crop.Dx(), p.crop.Dy())
	}
	size := fmt.Sprintf("%d,%d", p.w, p.h)
	if p.w > p.crop.Dx() || p.h > p.crop.Dy() {
		size = "^" + size
	}
	rot := strconv.Itoa(p.rotation)
	if p.mirror {
		rot = "!" + rot
	}
	quality := "default"
	if p.gray {
		quality = "gray"
	}
	return region + "/" + size + "/" + rot + "/" + quality + "." + p.format
}
