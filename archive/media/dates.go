package media

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// errAbsent marks a blank value or an all-zero date ("0000:00:00 00:00:00",
// "    :  :     :  :  "): absent, not invalid.
var errAbsent = errors.New("no date")

// when is a parsed timestamp. inferred is true when the text carried no
// offset and loc was assumed.
type when struct {
	t        time.Time
	inferred bool
}

// parseDate is the one date parser of the package. It reads the EXIF form
// "2006:01:02 15:04:05", ISO 8601 / XMP forms ("2006-01-02T15:04:05.9+07:00",
// "2006-01-02", "2006-01", offsets like "+1:00"), and IPTC's "20060102" with
// "150405+0700" appended after a space, and the RFC 1123 form the PNG
// specification recommends for Creation Time ("Sat, 01 Jun 2024 06:30:00
// +0700"). Without an offset the wall clock is read in loc; a date alone is
// midnight in loc. Blank or zero dates return errAbsent.
func parseDate(s string, loc *time.Location) (when, error) {
	s = strings.TrimSpace(strings.TrimRight(s, "\x00"))
	if strings.Trim(s, "0:-. T+Z") == "" {
		return when{}, errAbsent
	}
	if t, ok := parseRFC1123(s); ok {
		return when{t: t}, nil
	}
	p := dateScanner{s: s}
	year, ok := p.digits(4)
	if !ok {
		return when{}, fmt.Errorf("date %q: no year", s)
	}
	month, day := 1, 1
	if p.sep(":-") || p.peekDigit() {
		if month, ok = p.digits(2); !ok {
			return when{}, fmt.Errorf("date %q: bad month", s)
		}
		if p.sep(":-") || p.peekDigit() {
			if day, ok = p.digits(2); !ok {
				return when{}, fmt.Errorf("date %q: bad day", s)
			}
		}
	}
	if year == 0 {
		return when{}, errAbsent
	}
	hour, min, sec, nsec := 0, 0, 0, 0
	if p.sep("T ") && p.peekDigit() {
		if hour, ok = p.digits(2); !ok {
			return when{}, fmt.Errorf("date %q: bad hour", s)
		}
		p.sep(":")
		if min, ok = p.digits(2); !ok {
			return when{}, fmt.Errorf("date %q: bad minute", s)
		}
		if p.sep(":") || p.peekDigit() {
			if sec, ok = p.digits(2); !ok {
				return when{}, fmt.Errorf("date %q: bad second", s)
			}
		}
		if p.sep(".,") {
			nsec = p.fraction()
		}
	}
	var zone *time.Location
	switch {
	case p.sep("Z"):
		zone = time.UTC
	case p.peek() == '+' || p.peek() == '-':
		sign := 1
		if p.peek() == '-' {
			sign = -1
		}
		p.i++
		zh, n := p.upTo(2)
		if n == 0 {
			return when{}, fmt.Errorf("date %q: bad offset", s)
		}
		p.sep(":")
		zm, _ := p.upTo(2)
		if zh > 14 || zm > 59 {
			return when{}, fmt.Errorf("date %q: bad offset", s)
		}
		zone = time.FixedZone("", sign*(zh*3600+zm*60))
	}
	if strings.TrimSpace(p.s[p.i:]) != "" {
		return when{}, fmt.Errorf("date %q: trailing text", s)
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60 {
		return when{}, fmt.Errorf("date %q: out of range", s)
	}
	w := when{inferred: zone == nil}
	if zone == nil {
		zone = loc
	}
	w.t = time.Date(year, time.Month(month), day, hour, min, sec, nsec, zone)
	if w.t.Day() != day {
		return when{}, fmt.Errorf("date %q: no such day", s)
	}
	return w, nil
}

// parseRFC1123 reads an RFC 1123 / RFC 822 date-time with four-digit year,
// optional weekday and seconds, and a numeric zone or GMT/UT/UTC.
func parseRFC1123(s string) (time.Time, bool) {
	s, _ = strings.CutPrefix(s[strings.IndexByte(s, ',')+1:], " ") // the weekday
	for _, gmt := range []string{" GMT", " UTC", " UT"} {
		if rest, ok := strings.CutSuffix(s, gmt); ok {
			s = rest + " +0000"
			break
		}
	}
	for _, layout := range []string{"2 Jan 2006 15:04:05 -0700", "2 Jan 2006 15:04 -0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// parseOffset reads an EXIF OffsetTime* value ("+07:00").
func parseOffset(s string) (*time.Location, bool) {
	w, err := parseDate("2000:01:01 00:00:00"+strings.TrimSpace(s), time.UTC)
	if err != nil || w.inferred {
		return nil, false
	}
	return w.t.Location(), true
}

type dateScanner struct {
	s string
	i int
}

func (p *dateScanner) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *dateScanner) peekDigit() bool { c := p.peek(); return c >= '0' && c <= '9' }

func (p *dateScanner) sep(set string) bool {
	if p.i < len(p.s) && strings.IndexByte(set, p.s[p.i]) >= 0 {
		p.i++
		return true
	}
	return false
}

// digits reads exactly n digits.
func (p *dateScanner) digits(n int) (int, bool) {
	v, got := p.upTo(n)
	return v, got == n
}

// upTo reads at most n digits and reports how many it read.
func (p *dateScanner) upTo(n int) (int, int) {
	v, k := 0, 0
	for k < n && p.peekDigit() {
		v = v*10 + int(p.s[p.i]-'0')
		p.i++
		k++
	}
	return v, k
}

func (p *dateScanner) fraction() int {
	ns, scale := 0, 100000000
	for p.peekDigit() {
		ns += int(p.s[p.i]-'0') * scale
		scale /= 10
		p.i++
	}
	return ns
}
