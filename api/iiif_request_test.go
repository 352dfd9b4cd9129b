package api

import (
	"errors"
	"image"
	"strings"
	"testing"
)

func TestParseIIIFRequest(t *testing.T) {
	for _, c := range []struct {
		name, region, size, rotation, file string
		want                               iiifRequest
	}{
		{"full max", "full", "max", "0", "default.jpg",
			iiifRequest{region: iiifRegion{kind: "full"}, size: iiifSize{kind: "max"}, quality: "default", format: "jpg"}},
		{"square", "square", "max", "0", "color.png",
			iiifRequest{region: iiifRegion{kind: "square"}, size: iiifSize{kind: "max"}, quality: "color", format: "png"}},
		{"pixels", "125,15,120,140", "90,", "0", "default.jpg",
			iiifRequest{region: iiifRegion{"px", 125, 15, 120, 140}, size: iiifSize{kind: "w", w: 90}, quality: "default", format: "jpg"}},
		{"percent", "pct:41.6,7.5,40,70", ",150", "0", "gray.jpg",
			iiifRequest{region: iiifRegion{"pct", 41.6, 7.5, 40, 70}, size: iiifSize{kind: "h", h: 150}, quality: "gray", format: "jpg"}},
		{"up max", "full", "^max", "0", "default.jpg",
			iiifRequest{region: iiifRegion{kind: "full"}, size: iiifSize{kind: "max", up: true}, quality: "default", format: "jpg"}},
		{"up w", "full", "^360,", "0", "default.jpg",
			iiifRequest{region: iiifRegion{kind: "full"}, size: iiifSize{kind: "w", up: true, w: 360}, quality: "default", format: "jpg"}},
		{"up h", "full", "^,240", "0", "default.jpg",
			iiifRequest{region: iiifRegion{kind: "full"}, size: iiifSize{kind: "h", up: true, h: 240}, quality: "default", format: "jpg"}},
		{"pct", "full", "pct:50", "0", "default.jpg",
			iiifRequest{region: iiifRegion{kind: "full"}, size: iiifSize{kind: "pct", pct: 50}, quality: "default", format: "jpg"}},
		{"up pct", "full", "^pct:120", "0", "default.jpg",
			iiifRequest{region: iiifRegion{kind: "full"}, size: iiifSize{kind: "pct", up: true, pct: 120}, quality: "default", format: "jpg"}},
		{"w,h", "full", "225,100", "0", "default.jpg",
			iiifRequest{region: iiifRegion{kind: "full"}, size: iiifSize{kind: "wh", w: 225, h: 100}, quality: "default", format: "jpg"}},
		{"up w,h", "full", "^360,360", "0", "default.jpg",
			iiifRequest{region: iiifRegion{kind: "full"}, size: iiifSize{kind: "wh", up: true, w: 360, h: 360}, quality: "default", format: "jpg"}},
		{"confined", "full", "!225,100", "0", "default.jpg",
			iiifRequest{region: iiifRegion{kind: "full"}, size: iiifSize{kind: "confined", w: 225, h: 100}, quality: "default", format: "jpg"}},
		{"up confined", "full", "^!360,360", "0", "default.jpg",
			iiifRequest{region: iiifRegion{kind: "full"}, size: iiifSize{kind: "confined", up: true, w: 360, h: 360}, quality: "default", format: "jpg"}},
		{"rotate 90", "full", "max", "90", "default.jpg",
			iiifRequest{region: iiifRegion{kind: "full"}, size: iiifSize{kind: "max"}, rotation: 90, quality: "default", format: "jpg"}},
		{"rotate 180", "full", "max", "180", "default.jpg",
			iiifRequest{region: iiifRegion{kind: "full"}, size: iiifSize{kind: "max"}, rotation: 180, quality: "default", format: "jpg"}},
		{"rotate 270.0", "full", "max", "270.0", "default.jpg",
			iiifRequest{region: iiifRegion{kind: "full"}, size: iiifSize{kind: "max"}, rotation: 270, quality: "default", format: "jpg"}},
		{"rotate 360 is 0", "full", "max", "360", "default.jpg",
			iiifRequest{region: iiifRegion{kind: "full"}, size: iiifSize{kind: "max"}, quality: "default", format: "jpg"}},
		{"mirror", "full", "max", "!0", "default.jpg",
			iiifRequest{region: iiifRegion{kind: "full"}, size: iiifSize{kind: "max"}, mirror: true, quality: "default", format: "jpg"}},
		{"mirror 180", "full", "max", "!180", "default.jpg",
			iiifRequest{region: iiifRegion{kind: "full"}, size: iiifSize{kind: "max"}, mirror: true, rotation: 180, quality: "default", format: "jpg"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseIIIFRequest(c.region, c.size, c.rotation, c.file)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestParseIIIFRequestErrors(t *testing.T) {
	for _, c := range []struct {
		name, region, size, rotation, file, param string
	}{
		{"empty region", "", "max", "0", "default.jpg", "region"},
		{"region words", "all", "max", "0", "default.jpg", "region"},
		{"region three numbers", "1,2,3", "max", "0", "default.jpg", "region"},
		{"region five numbers", "1,2,3,4,5", "max", "0", "default.jpg", "region"},
		{"region negative", "-1,0,10,10", "max", "0", "default.jpg", "region"},
		{"region float pixels", "0.5,0,10,10", "max", "0", "default.jpg", "region"},
		{"region zero width", "0,0,0,10", "max", "0", "default.jpg", "region"},
		{"region zero height", "0,0,10,0", "max", "0", "default.jpg", "region"},
		{"region pct zero", "pct:0,0,0,10", "max", "0", "default.jpg", "region"},
		{"region pct sign", "pct:+1,0,10,10", "max", "0", "default.jpg", "region"},
		{"region pct exponent", "pct:1e1,0,10,10", "max", "0", "default.jpg", "region"},
		{"region pct bare dot", "pct:.5,0,10,10", "max", "0", "default.jpg", "region"},
		{"region pct trailing dot", "pct:5.,0,10,10", "max", "0", "default.jpg", "region"},
		{"region spaces", "0, 0,10,10", "max", "0", "default.jpg", "region"},
		{"region huge", "0,0,10000000000,10", "max", "0", "default.jpg", "region"},
		{"size full is version 2", "full", "full", "0", "default.jpg", "size"},
		{"size empty", "full", "", "0", "default.jpg", "size"},
		{"size comma", "full", ",", "0", "default.jpg", "size"},
		{"size zero w", "full", "0,", "0", "default.jpg", "size"},
		{"size zero h", "full", ",0", "0", "default.jpg", "size"},
		{"size zero wh", "full", "0,10", "0", "default.jpg", "size"},
		{"size confined missing h", "full", "!10,", "0", "default.jpg", "size"},
		{"size confined missing w", "full", "!,10", "0", "default.jpg", "size"},
		{"size pct zero", "full", "pct:0", "0", "default.jpg", "size"},
		{"size pct over 100", "full", "pct:120", "0", "default.jpg", "size"},
		{"size pct negative", "full", "pct:-5", "0", "default.jpg", "size"},
		{"size float", "full", "10.5,", "0", "default.jpg", "size"},
		{"size double caret", "full", "^^max", "0", "default.jpg", "size"},
		{"size caret after bang", "full", "!^10,10", "0", "default.jpg", "size"},
		{"size three parts", "full", "1,2,3", "0", "default.jpg", "size"},
		{"rotation empty", "full", "max", "", "default.jpg", "rotation"},
		{"rotation arbitrary", "full", "max", "22.5", "default.jpg", "rotation"},
		{"rotation 45", "full", "max", "45", "default.jpg", "rotation"},
		{"rotation negative", "full", "max", "-90", "default.jpg", "rotation"},
		{"rotation over 360", "full", "max", "450", "default.jpg", "rotation"},
		{"rotation double bang", "full", "max", "!!90", "default.jpg", "rotation"},
		{"rotation word", "full", "max", "left", "default.jpg", "rotation"},
		{"quality bitonal", "full", "max", "0", "bitonal.jpg", "quality"},
		{"quality unknown", "full", "max", "0", "sepia.jpg", "quality"},
		{"quality case", "full", "max", "0", "Default.jpg", "quality"},
		{"format missing", "full", "max", "0", "default", "format"},
		{"format tif", "full", "max", "0", "default.tif", "format"},
		{"format jpeg", "full", "max", "0", "default.jpeg", "format"},
		{"format empty", "full", "max", "0", "default.", "format"},
		{"format double", "full", "max", "0", "default.jpg.png", "format"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseIIIFRequest(c.region, c.size, c.rotation, c.file)
			var ie *iiifError
			if !errors.As(err, &ie) {
				t.Fatalf("err %v, want an *iiifError", err)
			}
			if ie.Status != 400 || ie.Param != c.param {
				t.Errorf("got %d %s (%s), want 400 %s", ie.Status, ie.Param, ie.Reason, c.param)
			}
		})
	}
}

func TestResolveIIIF(t *testing.T) {
	// The specification's examples use a 300×200 image.
	full := iiifLimits{width: 300, height: 200, maxW: 300, maxH: 200}
	capped := iiifLimits{width: 6000, height: 4000, maxW: 1280, maxH: 853}
	for _, c := range []struct {
		name, region, size, rotation string
		l                            iiifLimits
		crop                         image.Rectangle
		w, h                         int
		canonical                    string
	}{
		{"full max", "full", "max", "0", full, image.Rect(0, 0, 300, 200), 300, 200, "full/300,200/0/default.jpg"},
		{"square landscape", "square", "max", "0", full, image.Rect(50, 0, 250, 200), 200, 200, "50,0,200,200/200,200/0/default.jpg"},
		{"square portrait", "square", "max", "0", iiifLimits{200, 301, 200, 301}, image.Rect(0, 50, 200, 250), 200, 200, "0,50,200,200/200,200/0/default.jpg"},
		{"pixels", "125,15,120,140", "max", "0", full, image.Rect(125, 15, 245, 155), 120, 140, "125,15,120,140/120,140/0/default.jpg"},
		{"pixels past the edge are cut", "125,15,200,200", "max", "0", full, image.Rect(125, 15, 300, 200), 175, 185, "125,15,175,185/175,185/0/default.jpg"},
		{"percent", "pct:41.6,7.5,40,70", "max", "0", full, image.Rect(124, 15, 244, 155), 120, 140, "124,15,120,140/120,140/0/default.jpg"},
		{"percent past the edge", "pct:41.6,7.5,66.6,100", "max", "0", full, image.Rect(124, 15, 300, 200), 176, 185, "124,15,176,185/176,185/0/default.jpg"},
		{"w,", "full", "150,", "0", full, image.Rect(0, 0, 300, 200), 150, 100, "full/150,100/0/default.jpg"},
		{"w, rounds down", "full", "100,", "0", iiifLimits{6000, 4000, 6000, 4000}, image.Rect(0, 0, 6000, 4000), 100, 66, "full/100,66/0/default.jpg"},
		{",h", "full", ",150", "0", full, image.Rect(0, 0, 300, 200), 225, 150, "full/225,150/0/default.jpg"},
		{"pct", "full", "pct:50", "0", full, image.Rect(0, 0, 300, 200), 150, 100, "full/150,100/0/default.jpg"},
		{"w,h distorts", "full", "225,100", "0", full, image.Rect(0, 0, 300, 200), 225, 100, "full/225,100/0/default.jpg"},
		{"confined", "full", "!225,100", "0", full, image.Rect(0, 0, 300, 200), 150, 100, "full/150,100/0/default.jpg"},
		{"confined by width", "full", "!100,100", "0", full, image.Rect(0, 0, 300, 200), 100, 67, "full/100,67/0/default.jpg"},
		{"confined not above the region", "full", "!1000,1000", "0", full, image.Rect(0, 0, 300, 200), 300, 200, "full/300,200/0/default.jpg"},
		{"up max", "full", "^max", "0", iiifLimits{300, 200, 600, 600}, image.Rect(0, 0, 300, 200), 600, 400, "full/^600,400/0/default.jpg"},
		{"up w", "full", "^360,", "0", iiifLimits{300, 200, 600, 600}, image.Rect(0, 0, 300, 200), 360, 240, "full/^360,240/0/default.jpg"},
		{"up h", "full", "^,240", "0", iiifLimits{300, 200, 600, 600}, image.Rect(0, 0, 300, 200), 360, 240, "full/^360,240/0/default.jpg"},
		{"up pct", "full", "^pct:120", "0", iiifLimits{300, 200, 600, 600}, image.Rect(0, 0, 300, 200), 360, 240, "full/^360,240/0/default.jpg"},
		{"up w,h", "full", "^360,360", "0", iiifLimits{300, 200, 600, 600}, image.Rect(0, 0, 300, 200), 360, 360, "full/^360,360/0/default.jpg"},
		{"up confined", "full", "^!360,360", "0", iiifLimits{300, 200, 600, 600}, image.Rect(0, 0, 300, 200), 360, 240, "full/^360,240/0/default.jpg"},
		{"up within the region is no upscaling", "full", "^150,", "0", full, image.Rect(0, 0, 300, 200), 150, 100, "full/150,100/0/default.jpg"},
		{"max capped", "full", "max", "0", capped, image.Rect(0, 0, 6000, 4000), 1279, 853, "full/1279,853/0/default.jpg"},
		{"confined capped", "full", "!5000,5000", "0", capped, image.Rect(0, 0, 6000, 4000), 1280, 853, "full/1280,853/0/default.jpg"},
		{"tile in a capped image", "0,0,1024,1024", "512,", "0", capped, image.Rect(0, 0, 1024, 1024), 512, 512, "0,0,1024,1024/512,512/0/default.jpg"},
		{"mirror and rotation", "full", "max", "!90", full, image.Rect(0, 0, 300, 200), 300, 200, "full/300,200/!90/default.jpg"},
	} {
		t.Run(c.name, func(t *testing.T) {
			q, err := parseIIIFRequest(c.region, c.size, c.rotation, "default.jpg")
			if err != nil {
				t.Fatal(err)
			}
			p, err := q.resolve(c.l)
			if err != nil {
				t.Fatal(err)
			}
			if p.crop != c.crop || p.w != c.w || p.h != c.h {
				t.Errorf("crop %v size %d×%d, want %v %d×%d", p.crop, p.w, p.h, c.crop, c.w, c.h)
			}
			if got := p.canonical(c.l); got != c.canonical {
				t.Errorf("canonical %s, want %s", got, c.canonical)
			}
		})
	}
}

func TestResolveIIIFErrors(t *testing.T) {
	full := iiifLimits{width: 300, height: 200, maxW: 300, maxH: 200}
	capped := iiifLimits{width: 6000, height: 4000, maxW: 1280, maxH: 853}
	for _, c := range []struct {
		name, region, size string
		l                  iiifLimits
		param              string
	}{
		{"region right of the image", "300,0,10,10", "max", full, "region"},
		{"region below the image", "0,200,10,10", "max", full, "region"},
		{"region pct outside", "pct:100,0,10,10", "max", full, "region"},
		{"region pct under a pixel", "pct:0,0,0.1,10", "max", full, "region"},
		{"w above the region", "full", "301,", full, "size"},
		{"h above the region", "full", ",201", full, "size"},
		{"w,h above the region", "full", "301,200", full, "size"},
		{"w,h above in one axis", "10,10,20,20", "20,21", full, "size"},
		{"pct rounds to nothing", "0,0,1,1", "pct:10", full, "size"},
		{"upscale past maxWidth", "full", "^601,", iiifLimits{300, 200, 600, 600}, "size"},
		{"w past the cap", "full", "2000,", capped, "size"},
		{"h past the cap", "full", ",900", capped, "size"},
		{"w,h past the cap", "full", "1281,800", capped, "size"},
		{"pct past the cap", "full", "pct:50", capped, "size"},
	} {
		t.Run(c.name, func(t *testing.T) {
			q, err := parseIIIFRequest(c.region, c.size, "0", "default.jpg")
			if err != nil {
				t.Fatal(err)
			}
			_, err = q.resolve(c.l)
			var ie *iiifError
			if !errors.As(err, &ie) || ie.Status != 400 || ie.Param != c.param {
				t.Errorf("err %v, want 400 on %s", err, c.param)
			}
		})
	}
}

// FuzzParseIIIFRequest: any path segments either parse into a request that
// resolves (or is refused) without panicking, or are refused with 400.
func FuzzParseIIIFRequest(f *testing.F) {
	for _, s := range []string{
		"full/max/0/default.jpg", "square/^max/!90/gray.png", "pct:41.6,7.5,40,70/!225,100/180/color.jpg",
		"125,15,200,200/^pct:120/!0/default.png", "0,0,1,1/,5/270.0/default.jpg", "full/full/45/bitonal.tif",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		parts := strings.SplitN(path, "/", 4)
		for len(parts) < 4 {
			parts = append(parts, "")
		}
		q, err := parseIIIFRequest(parts[0], parts[1], parts[2], parts[3])
		if err != nil {
			var ie *iiifError
			if !errors.As(err, &ie) || ie.Status != 400 {
				t.Fatalf("%q: %v", path, err)
			}
			return
		}
		for _, l := range []iiifLimits{{300, 200, 300, 200}, {6000, 4000, 1280, 853}, {1, 1, 1, 1}} {
			p, err := q.resolve(l)
			if err != nil {
				continue
			}
			if p.w < 1 || p.h < 1 || p.w > l.maxW || p.h > l.maxH || p.crop.Empty() ||
				!p.crop.In(image.Rect(0, 0, l.width, l.height)) {
				t.Fatalf("%q on %v: plan %+v", path, l, p)
			}
		}
	})
}
