package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// MIME types the package recognises.
const (
	mimeJPEG = "image/jpeg"
	mimePNG  = "image/png"
	mimeGIF  = "image/gif"
	mimeTIFF = "image/tiff"
	mimeWebP = "image/webp"
	mimeHEIC = "image/heic"
	mimeHEIF = "image/heif"
	mimeAVIF = "image/avif"
	mimeMP4  = "video/mp4"
	mimeMOV  = "video/quicktime"
	mime3GP  = "video/3gpp"
	mime3G2  = "video/3gpp2"
	mimeM4V  = "video/x-m4v"
	// Containers this package does not parse; the archive reads them with
	// ffprobe (Info.NeedsProbe).
	mimeMKV  = "video/x-matroska"
	mimeWebM = "video/webm"
	mimeAVI  = "video/x-msvideo"
	mimeTS   = "video/mp2t"
	mimeMPEG = "video/mpeg"
	mimePDF  = "application/pdf"
	mimeEPUB = "application/epub+zip"
)

// kindOf maps a recognised MIME type to its Kind.
func kindOf(mime string) Kind {
	switch mime {
	case mimeJPEG, mimePNG, mimeGIF, mimeTIFF, mimeWebP, mimeHEIC, mimeHEIF, mimeAVIF:
		return KindPhoto
	case mimeMP4, mimeMOV, mime3GP, mime3G2, mimeM4V, mimeMKV, mimeWebM, mimeAVI, mimeTS, mimeMPEG:
		return KindVideo
	case mimePDF, mimeEPUB:
		return KindPublication
	}
	return ""
}

// Sniff decides a file's type from its first bytes (up to 4 KiB is enough),
// never from its name. Types the archive does not take return an error that
// wraps ErrUnsupported and says what the bytes look like.
func Sniff(head []byte) (mime string, kind Kind, err error) {
	mime = sniffMIME(head)
	if mime == "" {
		return "", "", fmt.Errorf("%w: looks like %s", ErrUnsupported, describe(head))
	}
	return mime, kindOf(mime), nil
}

// SniffFile is Sniff with the whole file (size bytes) at hand: it sniffs the
// first bytes, and a zip they do not place is an EPUB when its central
// directory says so (see isEPUB): EPUBs whose mimetype entry is compressed
// or not first, as Sphinx and some converters write them.
func SniffFile(r io.ReaderAt, size int64) (mime string, kind Kind, err error) {
	if size < 0 {
		return "", "", errors.New("media: negative size")
	}
	head := make([]byte, min(size, sniffLen))
	if n, err := r.ReadAt(head, 0); n < len(head) {
		return "", "", fmt.Errorf("media: reading the first bytes: %w", err)
	}
	mime, kind, err = Sniff(head)
	if err != nil && bytes.HasPrefix(head, []byte("PK\x03\x04")) && isEPUB(r, size) {
		return mimeEPUB, KindPublication, nil
	}
	return mime, kind, err
}

func sniffMIME(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return mimeJPEG
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return mimePNG
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return mimeGIF
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		return mimeTIFF
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return mimeWebP
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "AVI ":
		return mimeAVI
	case bytes.HasPrefix(b, []byte{0x1A, 0x45, 0xDF, 0xA3}): // EBML
		if bytes.Contains(b[:min(len(b), 64)], []byte("webm")) {
			return mimeWebM
		}
		return mimeMKV
	case len(b) > 376 && b[0] == 0x47 && b[188] == 0x47 && b[376] == 0x47: // MPEG-TS sync bytes
		return mimeTS
	case bytes.HasPrefix(b, []byte{0, 0, 1, 0xBA}): // MPEG program stream pack header
		return mimeMPEG
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return mimePDF
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return sniffZip(b)
	}
	return sniffISOBMFF(b)
}

// sniffZip accepts an EPUB: a zip whose first entry is an uncompressed file
// named "mimetype" holding "application/epub+zip".
func sniffZip(b []byte) string {
	if len(b) < 30 {
		return ""
	}
	nameLen := int(binary.LittleEndian.Uint16(b[26:]))
	extraLen := int(binary.LittleEndian.Uint16(b[28:]))
	if 30+nameLen > len(b) || string(b[30:30+nameLen]) != "mimetype" {
		return ""
	}
	data := b[min(30+nameLen+extraLen, len(b)):]
	if bytes.HasPrefix(data, []byte(mimeEPUB)) {
		return mimeEPUB
	}
	return ""
}

// sniffISOBMFF reads an ftyp box's major and compatible brands, or accepts a
// QuickTime file that starts with a moov/mdat/wide/free/skip atom.
func sniffISOBMFF(b []byte) string {
	if len(b) < 8 {
		return ""
	}
	size := int(binary.BigEndian.Uint32(b))
	switch string(b[4:8]) {
	case "ftyp":
	case "moov", "mdat", "wide", "free", "skip", "pnot":
		if size >= 8 || size == 0 || size == 1 {
			return mimeMOV
		}
		return ""
	default:
		return ""
	}
	if size < 16 {
		return ""
	}
	// The major brand decides; a compatible brand only fills a gap.
	if m := brandMIME(string(b[8:12])); m != "" {
		return m
	}
	for i := 16; i+4 <= min(size, len(b)); i += 4 {
		if m := brandMIME(string(b[i : i+4])); m != "" {
			return m
		}
	}
	return ""
}

func brandMIME(brand string) string {
	switch brand {
	case "heic", "heix", "heim", "heis", "hevc", "hevx":
		return mimeHEIC
	case "mif1", "msf1", "mif2", "heif":
		return mimeHEIF
	case "avif", "avis":
		return mimeAVIF
	case "qt  ":
		return mimeMOV
	case "M4V ", "M4VH", "M4VP":
		return mimeM4V
	case "3gp4", "3gp5", "3gp6", "3gp7", "3gs7", "3ge6", "3ge7", "3gg6":
		return mime3GP
	case "3g2a", "3g2b", "3g2c":
		return mime3G2
	case "isom", "iso2", "iso3", "iso4", "iso5", "iso6", "mp41", "mp42", "mp71",
		"avc1", "dash", "M4A ", "f4v ", "MSNV", "NDAS", "XAVC", "mmp4":
		return mimeMP4
	}
	return ""
}

// describe says what unrecognised bytes look like, for the error message.
func describe(b []byte) string {
	switch {
	case len(b) == 0:
		return "an empty file"
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return "application/zip"
	case bytes.HasPrefix(b, []byte("BM")):
		return "image/bmp"
	case bytes.HasPrefix(b, []byte("\x1f\x8b")):
		return "application/gzip"
	case bytes.HasPrefix(b, []byte("\x7fELF")):
		return "application/x-elf"
	case bytes.HasPrefix(b, []byte("RIFF")):
		return "a RIFF file that is not WebP"
	case bytes.HasPrefix(b, []byte("\x00\x00\x01\x00")):
		return "image/x-icon"
	}
	probe := b[:min(len(b), 512)]
	trimmed := bytes.TrimLeft(probe, " \t\r\n\xef\xbb\xbf")
	if bytes.HasPrefix(trimmed, []byte("<")) && utf8.Valid(probe) {
		return "text/xml or text/html"
	}
	if isText(probe) {
		return "text/plain"
	}
	return "application/octet-stream"
}

func isText(b []byte) bool {
	if !utf8.Valid(b) {
		// A cut-off rune at the end of the probe is still text.
		if len(b) < 4 || !utf8.Valid(b[:len(b)-3]) {
			return false
		}
	}
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' {
			return false
		}
	}
	return true
}
