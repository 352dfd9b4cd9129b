package media

import (
	"bytes"
	"encoding/binary"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated seed files and the golden Info files in testdata/")

// ent is a hand-built TIFF entry: val is the value bytes (little-endian);
// off, when non-zero, overrides the value offset written (hostile tests).
type ent struct {
	tag, typ uint16
	count    uint32
	val      []byte
	off      uint32
}

// tiffLE builds a little-endian TIFF: IFD0 with its entries, then optional
// Exif and GPS IFDs linked from IFD0. next0 is IFD0's next pointer.
func tiffLE(ifd0, exifIFD, gpsIFD []ent, next0 uint32) []byte {
	var b bytes.Buffer
	b.WriteString("II*\x00")
	b.Write(le32(8))
	dirs := [][]ent{ifd0, exifIFD, gpsIFD}
	size := func(es []ent) int {
		n := 2 + 12*len(es) + 4
		for _, e := range es {
			if len(e.val) > 4 {
				n += len(e.val)
			}
		}
		return n
	}
	off := []int{8, 0, 0}
	extra := 0
	if exifIFD != nil {
		extra++
	}
	if gpsIFD != nil {
		extra++
	}
	off[1] = 8 + size(ifd0) + 12*extra
	off[2] = off[1]
	if exifIFD != nil {
		off[2] += size(exifIFD)
	}
	if exifIFD != nil {
		dirs[0] = append(dirs[0], ent{tag: tagExifIFD, typ: tLong, count: 1, val: le32(uint32(off[1]))})
	}
	if gpsIFD != nil {
		dirs[0] = append(dirs[0], ent{tag: tagGPSIFD, typ: tLong, count: 1, val: le32(uint32(off[2]))})
	}
	for i, es := range dirs {
		if i > 0 && es == nil {
			continue
		}
		start := b.Len()
		data := start + 2 + 12*len(es) + 4
		var vals bytes.Buffer
		b.Write(le16(uint16(len(es))))
		for _, e := range es {
			b.Write(le16(e.tag))
			b.Write(le16(e.typ))
			b.Write(le32(e.count))
			switch {
			case e.off != 0:
				b.Write(le32(e.off))
				vals.Write(e.val)
			case len(e.val) <= 4:
				v := make([]byte, 4)
				copy(v, e.val)
				b.Write(v)
			default:
				b.Write(le32(uint32(data + vals.Len())))
				vals.Write(e.val)
			}
		}
		if i == 0 {
			b.Write(le32(next0))
		} else {
			b.Write(le32(0))
		}
		b.Write(vals.Bytes())
	}
	return b.Bytes()
}

func le16(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func ascii(tag uint16, s string) ent {
	return ent{tag: tag, typ: tASCII, count: uint32(len(s) + 1), val: append([]byte(s), 0)}
}

func short(tag uint16, v uint16) ent { return ent{tag: tag, typ: tShort, count: 1, val: le16(v)} }

func rationals(tag uint16, nd ...uint32) ent {
	var v []byte
	for _, x := range nd {
		v = append(v, le32(x)...)
	}
	return ent{tag: tag, typ: tRational, count: uint32(len(nd) / 2), val: v}
}

// sampleTIFF is a small but complete EXIF structure.
func sampleTIFF() []byte {
	return tiffLE(
		[]ent{short(tagImageWidth, 4), short(tagImageLength, 3), ascii(0x010F, "Canon"), ascii(0x0110, "EOS 5D"),
			short(tagOrientation, 6), ascii(0x010E, "Chợ nổi"), ascii(0x013B, "An"), ascii(0x8298, "© An")},
		[]ent{ascii(0x9003, "2024:05:01 06:30:00"), ascii(tagOffsetTimeOrig, "+07:00"),
			rationals(0x829A, 1, 120), rationals(0x829D, 28, 10), short(0x8827, 200)},
		[]ent{ascii(1, "N"), rationals(2, 10, 1, 2, 1, 3, 1), ascii(3, "E"), rationals(4, 106, 1, 30, 1, 0, 1),
			{tag: 5, typ: tByte, count: 1, val: []byte{0}}, rationals(6, 12, 1)},
		0)
}

// iim builds IPTC IIM datasets.
func iim(sets ...any) []byte {
	var b bytes.Buffer
	for i := 0; i+2 < len(sets); i += 3 {
		v := []byte(sets[i+2].(string))
		b.Write([]byte{0x1C, byte(sets[i].(int)), byte(sets[i+1].(int))})
		b.Write(binary.BigEndian.AppendUint16(nil, uint16(len(v))))
		b.Write(v)
	}
	return b.Bytes()
}

// irb wraps resources into Photoshop image resource blocks.
func irb(res map[uint16][]byte) []byte {
	var b bytes.Buffer
	for _, id := range []uint16{irbIPTC, irbIPTCDigest} {
		data, ok := res[id]
		if !ok {
			continue
		}
		b.WriteString("8BIM")
		b.Write(binary.BigEndian.AppendUint16(nil, id))
		b.Write([]byte{0, 0})
		b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(data))))
		b.Write(data)
		if len(data)%2 == 1 {
			b.WriteByte(0)
		}
	}
	return b.Bytes()
}

// jpegFile builds a JPEG up to a tiny scan: SOI, the given APP segments,
// SOF0 with the size, SOS, EOI.
func jpegFile(w, h uint16, apps ...[]byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xD8})
	for _, a := range apps {
		b.Write(a)
	}
	sof := []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 1, 1, 0x11, 0}
	b.Write(segment(0xC0, sof))
	b.Write(segment(0xDA, []byte{1, 1, 0, 0, 63, 0}))
	b.Write([]byte{0x00, 0xFF, 0xD9})
	return b.Bytes()
}

func segment(marker byte, payload []byte) []byte {
	out := []byte{0xFF, marker}
	out = binary.BigEndian.AppendUint16(out, uint16(len(payload)+2))
	return append(out, payload...)
}

const sampleXMP = `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" xmlns:exif="http://ns.adobe.com/exif/1.0/"
  photoshop:Credit="Sở VHTTDL" exif:GPSLatitude="10,1.5N" exif:GPSLongitude="105,46.8E">
 <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Chợ nổi</rdf:li><rdf:li xml:lang="en-US">Floating market</rdf:li></rdf:Alt></dc:title>
 <dc:subject><rdf:Bag><rdf:li>chợ nổi</rdf:li><rdf:li>Cần Thơ</rdf:li></rdf:Bag></dc:subject>
 <dc:creator><rdf:Seq><rdf:li>Nguyễn Thị Ánh</rdf:li></rdf:Seq></dc:creator>
 <photoshop:DateCreated>2024-05-01T06:30:00+07:00</photoshop:DateCreated>
</rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>`

// sampleJPEG has EXIF, IPTC with a matching digest, and XMP.
func sampleJPEG() []byte {
	block := iim(1, 90, "\x1b%G", 2, 5, "Tiêu đề", 2, 25, "chợ nổi", 2, 120, "Chú thích")
	return jpegFile(4, 3,
		segment(0xE1, append([]byte(exifHeader), sampleTIFF()...)),
		segment(0xE1, append([]byte(xmpHeader), sampleXMP...)),
		segment(0xED, append([]byte(photoshopHeader), irb(map[uint16][]byte{irbIPTC: block})...)))
}

// sampleGIF is a two-frame 2×2 GIF.
func sampleGIF() []byte {
	b := []byte("GIF89a\x02\x00\x02\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff")
	frame := []byte("\x21\xf9\x04\x00\x0a\x00\x00\x00\x2c\x00\x00\x00\x00\x02\x00\x02\x00\x00\x02\x02\x44\x01\x00")
	b = append(b, frame...)
	b = append(b, frame...)
	return append(b, 0x3B)
}

// seedFiles are the generated testdata seeds, rewritten with -update.
func seedFiles() map[string][]byte {
	return map[string][]byte{
		"gen_sample.jpg":  sampleJPEG(),
		"gen_sample.tif":  sampleTIFF(),
		"gen_sample.gif":  sampleGIF(),
		"gen_sample.xmp":  []byte(sampleXMP),
		"gen_sample.mp4":  sampleMP4(),
		"gen_sample.heic": sampleHEIF(),
		"gen_sample.epub": sampleEPUB(),
		"gen_text.png":    samplePNGText(),
	}
}

func TestSeedFiles(t *testing.T) {
	for name, want := range seedFiles() {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is stale; run go test -run TestSeedFiles -update", path)
		}
	}
}

// testdataSeeds returns every file in testdata/ for fuzz seeding.
func testdataSeeds(f *testing.F) [][]byte {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*"))
	var out [][]byte
	for _, p := range paths {
		if filepath.Ext(p) == ".md" {
			continue
		}
		if b, err := os.ReadFile(p); err == nil {
			out = append(out, b)
		}
	}
	return out
}
