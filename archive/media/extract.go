package media

import (
	"bytes"
	"fmt"
	"io"
	"time"
)

// sniffLen is how many leading bytes SniffFile hands to Sniff.
const sniffLen = 4096

// Extract sniffs the bytes in r (size bytes long) and reads what the archive
// needs from them: photos (JPEG, PNG, TIFF, WebP, GIF, HEIC/HEIF/AVIF), videos
// (MP4, QuickTime, 3GP, M4V) and publications (PDF, EPUB). A container so
// broken that not even the pixel size can be read is a *FormatError; a type
// the archive does not take wraps ErrUnsupported. Damaged metadata is not an
// error: it is dropped with a note in Info.Warnings.
func Extract(r io.ReaderAt, size int64, opts Options) (*Info, error) {
	mime, kind, err := SniffFile(r, size)
	if err != nil {
		return nil, err
	}
	info := &Info{MIME: mime, Kind: kind}
	loc := opts.Location
	if loc == nil {
		loc = time.FixedZone("ICT", 7*3600)
	}

	var cl claims
	var c *container
	switch mime {
	case mimeJPEG:
		c, err = walkJPEG(r, size)
	case mimePNG:
		c, err = walkPNG(r, size)
	case mimeWebP:
		c, err = walkWebP(r, size)
	case mimeGIF:
		c, err = walkGIF(r, size)
	case mimeTIFF:
		c, err = readTIFFFile(r, size, &cl)
	case mimeHEIC, mimeHEIF, mimeAVIF:
		c, err = walkHEIF(r, size)
	case mimeMP4, mimeMOV, mime3GP, mime3G2, mimeM4V:
		return extractVideo(r, size, info, opts, loc)
	case mimeMKV, mimeWebM, mimeAVI, mimeTS, mimeMPEG:
		info.NeedsProbe = true
		return info, nil
	case mimePDF:
		return extractPDF(r, size, info, opts, loc)
	case mimeEPUB:
		return extractEPUB(r, size, info, opts, loc)
	default:
		info.Warnings = append(info.Warnings, "metadata extraction for "+mime+" is not supported yet")
		return info, nil
	}
	if err != nil {
		return nil, err
	}
	info.Warnings = append(info.Warnings, c.warnings...)
	info.Width, info.Height, info.Frames = c.width, c.height, c.frames
	if c.width <= 0 || c.height <= 0 {
		info.Warnings = append(info.Warnings, fmt.Sprintf("%s: image size %dx%d has a zero side, ignored", formatName(mime), c.width, c.height))
		info.Width, info.Height = 0, 0
	}

	if c.exif != nil {
		_, ec, warns, err := readEXIF(bytes.NewReader(c.exif), int64(len(c.exif)), "exif")
		info.Warnings = append(info.Warnings, warns...)
		if err != nil {
			info.Warnings = append(info.Warnings, "exif: "+err.Error()+", EXIF ignored")
		} else {
			cl.exif = ec
		}
	}
	if c.irb != nil && !cl.iptc.present {
		ic, warns := readPhotoshopIPTC(c.irb)
		info.Warnings = append(info.Warnings, warns...)
		cl.iptc = ic
	}
	if c.iim != nil && !cl.iptc.present {
		ic, warns := parseIIM(c.iim)
		info.Warnings = append(info.Warnings, warns...)
		cl.iptc = ic
	}
	cl.addXMP(info, c.xmp, opts.Sidecar)
	if c.native != nil {
		applyNative(info, &cl, c.native, loc)
	} else {
		cl.reconcile(info, loc)
	}
	return info, nil
}

// addXMP parses embedded XMP packets (merged, first packet first) and the
// sidecar into the claims.
func (cl *claims) addXMP(info *Info, packets [][]byte, sidecar []byte) {
	for _, p := range packets {
		xc, warns := parseXMP(p, "xmp")
		info.Warnings = append(info.Warnings, warns...)
		mergeXMP(&cl.xmp, xc)
	}
	if sidecar != nil {
		sc, warns := parseXMP(sidecar, "xmp-sidecar")
		info.Warnings = append(info.Warnings, warns...)
		cl.side = sc
	}
}

// readTIFFFile treats the file itself as the TIFF structure: IFD0 gives the
// size, orientation, EXIF, XMP (tag 700), IPTC (33723) and Photoshop
// resources (34377); the main IFD chain gives the page count.
func readTIFFFile(r io.ReaderAt, size int64, cl *claims) (*container, error) {
	doc, ec, warns, err := readEXIF(r, size, "tiff")
	if err != nil {
		return nil, err
	}
	c := newContainer()
	c.warnings = warns
	cl.exif = ec
	w, okW := doc.ifd0.find(tagImageWidth).uint(doc.order, 0)
	h, okH := doc.ifd0.find(tagImageLength).uint(doc.order, 0)
	if !okW || !okH {
		return nil, &FormatError{Format: "tiff", Offset: int64(doc.ifd0.off), Msg: "IFD0 has no image size"}
	}
	c.width, c.height = int(w), int(h)
	if doc.pages > 1 {
		c.frames = doc.pages
	}
	if e := doc.ifd0.find(tagXMP); e != nil && e.val != nil {
		c.xmp = append(c.xmp, e.val)
	}
	if e := doc.ifd0.find(tagPhotoshop); e != nil && e.val != nil {
		c.irb = e.val
	}
	if e := doc.ifd0.find(tagIPTC); e != nil && e.val != nil {
		ic, w := parseIIM(e.val)
		c.warnings = append(c.warnings, w...)
		if c.irb != nil {
			_, ic.digest, _ = irbResources(c.irb)
		}
		cl.iptc = ic
	}
	return c, nil
}

func formatName(mime string) string {
	switch mime {
	case mimeJPEG:
		return "jpeg"
	case mimePNG:
		return "png"
	case mimeWebP:
		return "webp"
	case mimeGIF:
		return "gif"
	case mimeTIFF:
		return "tiff"
	case mimeHEIC, mimeHEIF, mimeAVIF:
		return "heif"
	}
	return mime
}
