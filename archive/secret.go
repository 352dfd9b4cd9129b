package archive

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/text/unicode/norm"
)

// ErrStateSecret is wrapped by every *SecretError: a file marked as a state
// secret, which may not be stored on this networked system (TAXONOMY.md).
var ErrStateSecret = errors.New("archive: state secret")

// SecretError says which marking turned a file away and where it was found.
type SecretError struct {
	Marking string // canonical marking: "Mật", "Tối mật", "Tuyệt mật", "Secret", "Top secret", "Confidential"
	Field   string // where: "metadata.csv classification", "classification" (IPTC/XMP instructions), "pdf keywords", "pdf subject"
}

func (e *SecretError) Error() string {
	return fmt.Sprintf("state secret (%s): not stored on this networked system", e.Marking)
}

func (e *SecretError) Unwrap() error { return ErrStateSecret }

// secretMarkings are the markings, longest first so "tối mật" is not read as
// "tối" + "mật". Keys are lower-case NFC; values are the canonical spelling.
// The Vietnamese two-word markings also match without diacritics ("TOI
// MAT"), which old systems write; a bare "mat" does not (it is a common word).
func secretMarkings() []struct{ key, label string } {
	return []struct{ key, label string }{
		{"tuyệt mật", "Tuyệt mật"},
		{"tuyet mat", "Tuyệt mật"},
		{"tối mật", "Tối mật"},
		{"toi mat", "Tối mật"},
		{"top secret", "Top secret"},
		{"confidential", "Confidential"},
		{"secret", "Secret"},
		{"mật", "Mật"},
	}
}

// secretLabels are field labels that may come before a marking: "Độ mật:
// Tối mật" (classification level: top secret).
func secretLabels() []string {
	return []string{"độ mật", "do mat", "security classification", "classification"}
}

// SecretMarking reports whether s, the value of a classification-like field,
// is a state-secret marking, and returns the canonical marking.
//
// The rule: s is normalised (NFC, lower case, runs of white space made one
// space) and cut into segments at ';', '|' and line breaks. A segment
// matches when, after an optional opening bracket and an optional label
// ("Độ mật:", "Classification:"), it is a marking (Mật, Tối mật, Tuyệt
// mật, secret, top secret, confidential) that is the whole segment or is
// followed by punctuation (":", "-", "–", "—", "/", ",", ".", ")", "]", "!").
// A marking followed by another word is not one: "Mật ong" (honey), "mật
// khẩu" (password), "Secret garden" do not match, nor do words that merely
// contain a marking ("bí mật", "không mật", "confidentiality"). Only
// classification-like fields are ever passed here, never titles or
// captions.
func SecretMarking(s string) (string, bool) {
	s = strings.Join(strings.Fields(strings.ToLower(norm.NFC.String(s))), " ")
	for _, seg := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '|' || r == '\n' || r == '\r' }) {
		seg = strings.TrimSpace(seg)
		seg = strings.TrimLeft(seg, "[( ")
		for _, l := range secretLabels() {
			if rest, ok := strings.CutPrefix(seg, l); ok {
				if rest, ok := strings.CutPrefix(strings.TrimLeft(rest, " "), ":"); ok {
					seg = strings.TrimLeft(rest, " [(")
					break
				}
			}
		}
		for _, m := range secretMarkings() {
			rest, ok := strings.CutPrefix(seg, m.key)
			if ok && markingEnds(rest) {
				return m.label, true
			}
		}
	}
	return "", false
}

// markingEnds reports whether rest, what follows a marking, ends it: nothing,
// or punctuation (after optional spaces), never a letter or digit.
func markingEnds(rest string) bool {
	rest = strings.TrimLeft(rest, " ")
	if rest == "" {
		return true
	}
	r := []rune(rest)[0]
	if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
		return false
	}
	return unicode.IsPunct(r) || unicode.IsSymbol(r)
}

// Rejection is one file the state-secret gate turned away, for the audit
// log. ID is the SHA-256 of the bytes when they were read (empty when the
// curator's classification stopped the file before it was read).
type Rejection struct {
	At      time.Time `json:"at"`
	Path    string    `json:"path"`
	ID      string    `json:"id,omitempty"`
	Marking string    `json:"marking"`
	Field   string    `json:"field"`
	Reason  string    `json:"reason"`
}

// AuditRejection writes a state-secret rejection into the audit trail (the
// audit bucket) as an entry of field "ingest" made by who via ingest: old
// null, new {"status":"rejected", "path", "marking", "source", "reason"}.
// Its id is the file's SHA-256 when the bytes were read, else "".
func (a *Archive) AuditRejection(ctx context.Context, who string, r Rejection) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	newVal := map[string]string{"status": "rejected", "path": r.Path, "marking": r.Marking, "source": r.Field, "reason": r.Reason}
	e, err := newAuditEntry(r.At, Actor{Who: who, Via: ViaIngest}, r.ID, fieldChange{field: "ingest", new: newVal})
	if err != nil {
		return err
	}
	return a.store.db.Update(func(tx *bolt.Tx) error { return putAudit(tx, &e) })
}
