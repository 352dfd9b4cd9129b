// Package media owns pure extraction: bytes in, Info out. It sniffs a file's
// type from its content and reads the metadata embedded in it, reconciling
// the claims the way the Metadata Working Group's guidelines say.
//
// The kinds it reads (TestDocNamesEveryType keeps this list whole):
//
//   - photos: image/jpeg, image/png, image/tiff, image/webp, image/gif
//     (EXIF, IPTC IIM, XMP, PNG text), image/heic, image/heif and
//     image/avif (the Exif item of the HEIF container);
//   - videos: video/mp4, video/quicktime, video/3gpp, video/3gpp2 and
//     video/x-m4v (its own bounded ISO-BMFF walker); video/x-matroska,
//     video/webm, video/x-msvideo, video/mp2t and video/mpeg are only
//     sniffed and marked NeedsProbe (the caller reads them with ffprobe,
//     FromFFprobe);
//   - publications: application/pdf (pdfcpu: Info dictionary, XMP, page
//     count) and application/epub+zip (the OPF package document; a zip
//     whose mimetype entry is compressed, misplaced or missing is one when
//     META-INF/container.xml names its package document: SniffFile).
//
// Files are hostile. Every parser here bounds what it reads, never follows an
// offset outside the bytes it was given, never loops on a cycle and turns a
// panic in a dependency into an error. Each parser of untrusted bytes has a
// fuzz target beside it, seeded from testdata.
//
// Reconciliation follows ExifTool's MWG.pm: a non-blank EXIF value wins for
// description, creator and rights; otherwise XMP wins unless a stored IPTC
// digest (Photoshop resource 0x0425) differs from the MD5 of the IPTC present,
// which means the IPTC was edited later and is current. Keywords are the union
// of IPTC and XMP except when XMP supersedes the IPTC by that rule. A sidecar
// (Options.Sidecar) wins over everything embedded. Language keys are lower-cased
// BCP 47 tags ("en-us"); "x-default" marks text of unknown language, and a
// malformed xml:lang is filed under "x-default", never guessed.
//
// The package imports nothing of the project's and does no logging and no I/O
// beyond the io.ReaderAt it is handed.
package media

import "strings"

import (
	"errors"
	"fmt"
	"time"
)

// Kind is what an asset is for the archive: a photo, a video or a publication.
type Kind string

// The kinds of asset.
const (
	KindPhoto       Kind = "photo"
	KindVideo       Kind = "video"
	KindPublication Kind = "publication"
)

// Sentinel errors. Match them with errors.Is.
var (
	// ErrUnsupported means the bytes are not a media type the archive takes.
	ErrUnsupported = errors.New("media: unsupported file type")
	// ErrTooLarge means a declared size (pixels, a tag count, a segment) is beyond
	// what the archive accepts.
	ErrTooLarge = errors.New("media: too large")
)

// FormatError reports bytes that break the rules of their format.
type FormatError struct {
	Format string // "jpeg", "tiff", "exif", "iptc", "xmp", "png", …
	Offset int64  // byte offset where the problem was seen, or -1
	Msg    string
	Err    error // underlying cause, may be nil
}

func (e *FormatError) Error() string {
	s := "media: " + e.Format + ": " + e.Msg
	if e.Offset >= 0 {
		s += fmt.Sprintf(" at offset %d", e.Offset)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *FormatError) Unwrap() error { return e.Err }

// Camera identifies the device that made the asset.
type Camera struct {
	Make  string `json:"make"`
	Model string `json:"model"`
	Lens  string `json:"lens"`
}

// IsZero reports whether nothing is known about the camera.
func (c Camera) IsZero() bool { return c == Camera{} }

// Name is "Make Model" as people read it: without the make repeated when
// the model starts with it ("Canon PowerShot G9", not "Canon Canon
// PowerShot G9").
func (c Camera) Name() string {
	mk, model := strings.TrimSpace(c.Make), strings.TrimSpace(c.Model)
	if mk != "" && strings.HasPrefix(strings.ToLower(model), strings.ToLower(mk)) {
		return model
	}
	return strings.TrimSpace(mk + " " + model)
}

// Exposure holds the shot's exposure settings.
type Exposure struct {
	FNumber       float64 `json:"f_number,omitempty"`
	ExposureTime  string  `json:"exposure_time,omitempty"` // "1/120", "2"
	ISO           int     `json:"iso,omitempty"`
	FocalLengthMM float64 `json:"focal_length_mm,omitempty"`
}

// IsZero reports whether no exposure value is known.
func (e Exposure) IsZero() bool { return e == Exposure{} }

// GPS is a validated position in decimal degrees (WGS 84).
type GPS struct {
	Lat  float64  `json:"lat"`
	Lon  float64  `json:"lon"`
	AltM *float64 `json:"alt_m,omitempty"`
}

// Lang keys of text maps: BCP 47 tags, or XDefault when the language is not known.
const XDefault = "x-default"

// Info is what extraction learned about one file. Text is NFC and trimmed;
// invalid values have been dropped with a note in Warnings.
type Info struct {
	MIME string // sniffed from the bytes
	Kind Kind

	Width, Height int // as ExifTool's File:ImageWidth/ImageHeight (video: frame size)
	Orientation   int // EXIF 1–8, 0 when absent (always 0 for video: see Rotation)
	Frames        int // frames in an animated image or pages in a multi-page TIFF; 0 or 1 for a still
	DurationS     float64
	PageCount     int

	// Rotation is a video's display rotation in degrees clockwise (0, 90,
	// 180, 270), from the video track's tkhd matrix (ExifTool's
	// Composite:Rotation). Width and Height are the stored frame size,
	// before this rotation.
	Rotation int
	// Codec is a video's sample entry type (fourcc) of its video track:
	// "avc1", "hvc1", "mp4v", "jpeg", …
	Codec string
	// Language is a publication's language as stated in the file (EPUB
	// dc:language), a BCP 47 tag lower-cased like the text map keys; "" when
	// not stated.
	Language string

	CapturedAt       *time.Time
	CapturedAtSource string // exif | xmp | iptc | png | quicktime | pdf | epub
	TZInferred       bool   // the file gave a wall-clock time without an offset

	Camera   Camera
	Exposure Exposure
	GPS      *GPS

	Title       map[string]string // lang → text
	Description map[string]string
	Keywords    []string
	Creator     string
	Credit      string
	Rights      string
	// Software is the program that wrote the file: an XMP sidecar's
	// xmp:CreatorTool, EXIF Software, embedded xmp:CreatorTool, PNG
	// Software. It has no provenance entry.
	Software string

	// Classification holds classification-like text found in the file
	// (IPTC Special Instructions, XMP photoshop:Instructions), for the
	// state-secret gate.
	Classification string

	// Provenance maps a record field name ("title", "captured_at",
	// "keywords", "gps", …) to where its value came from ("exif", "iptc",
	// "xmp", "iptc+xmp", "xmp-sidecar", …).
	Provenance map[string]string

	// NeedsProbe is true for video containers this package recognises but
	// does not parse (Matroska/WebM, AVI, MPEG-TS/PS): the caller reads
	// them with ffprobe or rejects them.
	NeedsProbe bool

	// Warnings are human-readable notes about values dropped or repaired,
	// each prefixed with the part that produced it ("exif: …").
	Warnings []string
}

// Options tune extraction.
type Options struct {
	// Location reads wall-clock times that carry no offset. Nil means
	// UTC+07:00 (Asia/Ho_Chi_Minh).
	Location *time.Location
	// Sidecar holds the bytes of an XMP sidecar (name.xmp or name.ext.xmp),
	// or nil. Sidecar values win over embedded XMP.
	Sidecar []byte
}
