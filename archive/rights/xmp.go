package rights

import (
	"bytes"
	"encoding/xml"
)

// MaxPacket bounds the XMP packet: it must fit one APP1 segment (65,535
// bytes less the length field and the namespace header); longer text is
// cut rather than written as extended XMP.
const MaxPacket = 65502

// maxField bounds every simple text value before the packet is sized.
const maxField = 2000

// XMP is m as an XMP packet of at most MaxPacket bytes: descriptions,
// then titles too, are cut (on rune boundaries) until it fits.
func XMP(m Meta) []byte {
	descs, titles := alts(m.Description), alts(m.Title)
	p := packet(m, descs, titles)
	for limit := 1 << 15; len(p) > MaxPacket && limit > 0; limit /= 2 {
		t := titles
		if limit < 1<<9 {
			t = cut(titles, limit)
		}
		p = packet(m, cut(descs, limit), t)
	}
	return p
}

// cut clips every text of a to n bytes.
func cut(a []alt, n int) []alt {
	out := make([]alt, len(a))
	for i, x := range a {
		out[i] = alt{x.lang, clip(x.text, n)}
	}
	return out
}

func packet(m Meta, descs, titles []alt) []byte {
	var b bytes.Buffer
	b.WriteString("<?xpacket begin=\"\ufeff\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n")
	b.WriteString(`<x:xmpmeta xmlns:x="adobe:ns:meta/">` + "\n")
	b.WriteString(` <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` + "\n")
	b.WriteString(`  <rdf:Description rdf:about=""` +
		` xmlns:dc="http://purl.org/dc/elements/1.1/"` +
		` xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"` +
		` xmlns:xmpRights="http://ns.adobe.com/xap/1.0/rights/"` +
		` xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/">` + "\n")
	if v := field(m.Creator); v != "" {
		b.WriteString("   <dc:creator><rdf:Seq><rdf:li>")
		esc(&b, v)
		b.WriteString("</rdf:li></rdf:Seq></dc:creator>\n")
	}
	if v := field(m.Copyright); v != "" {
		langAlt(&b, "dc:rights", []alt{{"x-default", v}})
	}
	langAlt(&b, "dc:title", titles)
	langAlt(&b, "dc:description", descs)
	simple(&b, "photoshop:Credit", field(m.Credit))
	simple(&b, "photoshop:Source", field(m.Source))
	switch {
	case m.PublicDomain:
		simple(&b, "xmpRights:Marked", "False")
	case m.Copyright != "" || m.UsageTerms != "" || m.WebStatement != "":
		simple(&b, "xmpRights:Marked", "True")
	}
	simple(&b, "xmpRights:WebStatement", field(m.WebStatement))
	if v := field(m.UsageTerms); v != "" {
		langAlt(&b, "xmpRights:UsageTerms", []alt{{"x-default", v}})
	}
	if v := field(m.LicensorURL); v != "" {
		name := field(m.Credit)
		if name == "" {
			name = field(m.Creator)
		}
		b.WriteString(`   <plus:Licensor><rdf:Seq><rdf:li rdf:parseType="Resource">`)
		if name != "" {
			b.WriteString("<plus:LicensorName>")
			esc(&b, name)
			b.WriteString("</plus:LicensorName>")
		}
		b.WriteString("<plus:LicensorURL>")
		esc(&b, v)
		b.WriteString("</plus:LicensorURL></rdf:li></rdf:Seq></plus:Licensor>\n")
	}
	b.WriteString("  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n")
	b.WriteString(`<?xpacket end="r"?>`)
	return b.Bytes()
}

// field is a simple value cleaned and bounded.
func field(s string) string { return clip(clean(s), maxField) }

func simple(b *bytes.Buffer, name, v string) {
	if v == "" {
		return
	}
	b.WriteString("   <" + name + ">")
	esc(b, v)
	b.WriteString("</" + name + ">\n")
}

func langAlt(b *bytes.Buffer, name string, a []alt) {
	if len(a) == 0 {
		return
	}
	b.WriteString("   <" + name + "><rdf:Alt>")
	for _, x := range a {
		b.WriteString(`<rdf:li xml:lang="`)
		esc(b, x.lang)
		b.WriteString(`">`)
		esc(b, x.text)
		b.WriteString("</rdf:li>")
	}
	b.WriteString("</rdf:Alt></" + name + ">\n")
}

// esc writes s escaped for XML text and attribute values (characters XML
// forbids become U+FFFD).
func esc(b *bytes.Buffer, s string) { xml.EscapeText(b, []byte(s)) }
