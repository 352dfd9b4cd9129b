package media

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Bounds of the XMP parser.
const (
	xmpMaxBytes  = 8 << 20
	xmpMaxDepth  = 64
	xmpMaxTokens = 500000
	xmpMaxText   = 64 << 10
	xmpMaxItems  = 1024
)

// Namespaces of the properties the archive reads.
const (
	nsRDF       = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	nsXML       = "http://www.w3.org/XML/1998/namespace"
	nsDC        = "http://purl.org/dc/elements/1.1/"
	nsPhotoshop = "http://ns.adobe.com/photoshop/1.0/"
	nsEXIF      = "http://ns.adobe.com/exif/1.0/"
	nsEXIFEX    = "http://cipa.jp/exif/1.0/"
	nsXMP       = "http://ns.adobe.com/xap/1.0/"
	nsTIFF      = "http://ns.adobe.com/tiff/1.0/"
	nsAUX       = "http://ns.adobe.com/exif/1.0/aux/"
)

// xmpClaims are the XMP values of one packet, still unreconciled.
type xmpClaims struct {
	present                               bool
	title, description, rights            langText
	subject, creator                      []string
	dateCreated, dateOriginal, createDate string
	credit, instructions                  string
	lat, lon                              string
	orientation, make, model, lens        string
	creatorTool                           string
}

// xmpProp names the properties read, by namespace and local name; "" for
// everything else.
func xmpProp(space, local string) string {
	switch space {
	case nsDC:
		switch local {
		case "title", "description", "subject", "creator", "rights":
			return "dc:" + local
		}
	case nsPhotoshop:
		switch local {
		case "DateCreated", "Credit", "Instructions":
			return "photoshop:" + local
		}
	case nsEXIF:
		switch local {
		case "DateTimeOriginal", "GPSLatitude", "GPSLongitude":
			return "exif:" + local
		}
	case nsXMP:
		switch local {
		case "CreateDate", "CreatorTool":
			return "xmp:" + local
		}
	case nsTIFF:
		switch local {
		case "Orientation", "Make", "Model":
			return "tiff:" + local
		}
	case nsAUX:
		if local == "Lens" {
			return "aux:Lens"
		}
	case nsEXIFEX:
		if local == "LensModel" {
			return "exifEX:LensModel"
		}
	}
	return ""
}

func (c *xmpClaims) setSimple(prop, lang, v string) {
	switch prop {
	case "photoshop:DateCreated":
		c.dateCreated = v
	case "photoshop:Credit":
		c.credit = v
	case "photoshop:Instructions":
		c.instructions = v
	case "exif:DateTimeOriginal":
		c.dateOriginal = v
	case "exif:GPSLatitude":
		c.lat = v
	case "exif:GPSLongitude":
		c.lon = v
	case "xmp:CreateDate":
		c.createDate = v
	case "xmp:CreatorTool":
		c.creatorTool = v
	case "tiff:Orientation":
		c.orientation = v
	case "tiff:Make":
		c.make = v
	case "tiff:Model":
		c.model = v
	case "aux:Lens", "exifEX:LensModel":
		if c.lens == "" || prop == "exifEX:LensModel" {
			c.lens = v
		}
	default:
		// A list or language property written as a simple value.
		c.addItem(prop, lang, v, true)
	}
}

// addItem stores one value of a list (dc:subject, dc:creator) or language
// alternative (dc:title, dc:description, dc:rights).
func (c *xmpClaims) addItem(prop, lang, v string, simple bool) {
	switch prop {
	case "dc:subject":
		c.subject = appendItem(c.subject, v)
	case "dc:creator":
		c.creator = appendItem(c.creator, v)
	case "dc:title":
		c.title = setLang(c.title, lang, v, true)
	case "dc:description":
		c.description = setLang(c.description, lang, v, true)
	case "dc:rights":
		c.rights = setLang(c.rights, lang, v, false)
	default:
		if !simple {
			c.setSimple(prop, lang, v) // a simple property wrapped in a container: first item
		}
	}
}

func setLang(m langText, lang, v string, descriptive bool) langText {
	if m == nil {
		m = langText{}
	}
	if len(m) < xmpMaxItems {
		m.set(lang, v, descriptive)
	}
	return m
}

// setLangFirst is setLang that keeps the first value of each language.
func setLangFirst(m langText, lang, v string) langText {
	if _, ok := m[normLang(lang)]; ok {
		return m
	}
	return setLang(m, lang, v, true)
}

// setFirst sets *dst to v unless it already holds a value: the first of
// several values wins.
func setFirst(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

// appendItem appends v to a list of at most xmpMaxItems values.
func appendItem(list []string, v string) []string {
	if len(list) >= xmpMaxItems {
		return list
	}
	return append(list, v)
}

type xmpFrameKind int

const (
	fOther xmpFrameKind = iota
	fRDF
	fDesc
	fProp
	fContainer
	fItem
	fIgnore
)

type xmpFrame struct {
	kind      xmpFrameKind
	prop      string // property name for fProp/fContainer/fItem
	lang      string
	container string // Alt, Bag or Seq
	sawInner  bool
	text      strings.Builder
}

// parseXMP reads an XMP packet with a bounded streaming decoder. A packet
// that breaks off still yields what was read before the break, with a
// warning.
func parseXMP(b []byte, part string) (xmpClaims, []string) {
	var c xmpClaims
	var warns []string
	if len(b) > xmpMaxBytes {
		return c, []string{fmt.Sprintf("%s: packet of %d bytes is too large, ignored", part, len(b))}
	}
	b = xmpUTF8(b)
	d := xml.NewDecoder(bytes.NewReader(b))
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		return r, nil // already UTF-8 (xmpUTF8), whatever the declaration says
	}
	var stack []*xmpFrame
	top := func() *xmpFrame {
		if len(stack) == 0 {
			return &xmpFrame{kind: fOther}
		}
		return stack[len(stack)-1]
	}
	for tokens := 0; ; tokens++ {
		if tokens > xmpMaxTokens {
			warns = append(warns, part+": too many XML tokens, rest ignored")
			break
		}
		tok, err := d.Token()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				warns = append(warns, fmt.Sprintf("%s: %v", part, err))
			}
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= xmpMaxDepth {
				warns = append(warns, part+": elements nested too deeply, rest ignored")
				return c, warns
			}
			c.present = true
			p := top()
			p.sawInner = true
			f := &xmpFrame{kind: fIgnore, lang: p.lang, prop: p.prop}
			if l, ok := attr(t, nsXML, "lang"); ok {
				f.lang = l
			}
			switch {
			case p.kind == fIgnore:
			case t.Name.Space == nsRDF && t.Name.Local == "RDF":
				f.kind = fRDF
			case p.kind == fRDF && t.Name.Space == nsRDF && t.Name.Local == "Description":
				f.kind = fDesc
				for _, a := range t.Attr {
					if prop := xmpProp(a.Name.Space, a.Name.Local); prop != "" {
						c.setSimple(prop, f.lang, a.Value)
					}
				}
			case p.kind == fDesc:
				f.kind, f.prop = fProp, xmpProp(t.Name.Space, t.Name.Local)
				if f.prop == "" {
					f.kind = fIgnore
				}
				for _, a := range t.Attr {
					if a.Name.Space == nsRDF && (a.Name.Local == "parseType" || a.Name.Local == "resource") {
						f.kind = fIgnore // a struct or a URI: not a value the archive reads
					}
				}
			case p.kind == fProp && t.Name.Space == nsRDF && (t.Name.Local == "Alt" || t.Name.Local == "Bag" || t.Name.Local == "Seq"):
				f.kind, f.container = fContainer, t.Name.Local
			case p.kind == fContainer && t.Name.Space == nsRDF && t.Name.Local == "li":
				f.kind, f.container = fItem, p.container
			case p.kind == fOther:
				f.kind = fOther
			}
			stack = append(stack, f)
		case xml.CharData:
			if f := top(); (f.kind == fProp || f.kind == fItem) && f.text.Len()+len(t) <= xmpMaxText {
				f.text.Write(t)
			}
		case xml.EndElement:
			if len(stack) == 0 {
				break
			}
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			switch {
			case f.kind == fProp && !f.sawInner:
				c.setSimple(f.prop, f.lang, f.text.String())
			case f.kind == fItem && !f.sawInner:
				c.addItem(f.prop, f.lang, f.text.String(), false)
			}
		}
	}
	return c, warns
}

func attr(t xml.StartElement, space, local string) (string, bool) {
	for _, a := range t.Attr {
		if a.Name.Space == space && a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// xmpUTF8 turns a UTF-16 packet (with a BOM, or recognisable by its NULs)
// into UTF-8 and drops the NUL padding some writers leave after the packet.
func xmpUTF8(b []byte) []byte {
	be := bytes.HasPrefix(b, []byte{0xFE, 0xFF}) || (len(b) >= 2 && b[0] == 0 && b[1] != 0)
	le := bytes.HasPrefix(b, []byte{0xFF, 0xFE}) || (len(b) >= 2 && b[0] != 0 && b[1] == 0)
	if !be && !le {
		b = bytes.TrimLeft(b, "\xef\xbb\xbf")
		return bytes.TrimRight(b, "\x00 \t\r\n")
	}
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		if be {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		} else {
			u = append(u, uint16(b[i+1])<<8|uint16(b[i]))
		}
	}
	if len(u) > 0 && u[0] == 0xFEFF {
		u = u[1:]
	}
	s := string(utf16.Decode(u))
	return []byte(strings.TrimRight(s, "\x00 \t\r\n"))
}

// parseXMPCoord reads an XMP GPS coordinate: "41,51.18N", "41,51,10.8N" or
// a signed decimal.
func parseXMPCoord(s string, limit float64) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errAbsent
	}
	sign := 1.0
	switch s[len(s)-1] {
	case 'S', 's', 'W', 'w':
		sign = -1
		s = s[:len(s)-1]
	case 'N', 'n', 'E', 'e':
		s = s[:len(s)-1]
	}
	parts := strings.Split(s, ",")
	if len(parts) > 3 {
		return 0, fmt.Errorf("coordinate %q: too many parts", s)
	}
	v, scale := 0.0, 1.0
	for _, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return 0, fmt.Errorf("coordinate %q: %w", s, err)
		}
		v += f / scale
		scale *= 60
	}
	v *= sign
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > limit {
		return 0, fmt.Errorf("coordinate %g out of range", v)
	}
	return v, nil
}
