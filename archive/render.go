package archive

import (
	"errors"
	"time"

	"github.com/haiduong/promo-archive/archive/media"
)

// RenderInput tells a Renderer what it is drawing.
type RenderInput struct {
	Path        string // the stored original (or its temp copy during ingest)
	MIME        string
	Kind        media.Kind
	Width       int
	Height      int
	Orientation int // EXIF 1–8; renditions come out upright
	Rotation    int // video display rotation in degrees (0, 90, 180, 270)
	DurationS   float64
}

// RenderedImage is one rendition's bytes and description.
type RenderedImage struct {
	Rendition
	Data []byte
}

// RenderResult is what a Renderer made from one original.
type RenderResult struct {
	Images   []RenderedImage
	PHash    uint64 // 64-bit perceptual hash of the upright image
	HasPHash bool
	// Warnings explain renditions that were skipped or are placeholders
	// (pixel cap exceeded, tool missing) while the record still ingests.
	Warnings []string
	// Damaged says the original is a damaged file of a recognised type
	// (truncated, corrupt): the renditions show the part that decodes or
	// are placeholders, Warnings say what is wrong, and the record goes to
	// review.
	Damaged bool
	// Stages says where the time went, for benchmarks and slow-file logs.
	Stages RenderStages
}

// RenderStages is the time a Renderer spent in each stage.
type RenderStages struct {
	Decode, Resize, Encode time.Duration
}

// ErrToolMissing means an external tool the archive needs for a file is not
// installed. A file that cannot be read without it is rejected with the
// reason, and ingests once the tool is there.
var ErrToolMissing = errors.New("archive: tool not installed")
