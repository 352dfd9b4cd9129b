package archive

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

//go:embed taxonomy.json
var defaultTaxonomyJSON []byte

// Category is a subject category of TAXONOMY.md.
type Category struct {
	Code string `json:"code"`
	VI   string `json:"vi"`
	EN   string `json:"en"`
}

// Unit is a dated unit of the gazetteer.
type Unit struct {
	Code      string `json:"code"`
	VI        string `json:"vi"`
	EN        string `json:"en"`
	Parent    string `json:"parent,omitempty"`
	ValidFrom string `json:"valid_from,omitempty"` // YYYY-MM-DD
	ValidTo   string `json:"valid_to,omitempty"`
	Successor string `json:"successor,omitempty"` // the unit that holds the place after ValidTo
}

// Taxonomy holds the categories and the gazetteer the archive validates
// codes against.
type Taxonomy struct {
	Categories []Category `json:"categories"`
	Places     []Unit     `json:"places"`
}

// Category returns the category with the code.
func (t *Taxonomy) Category(code string) (Category, bool) {
	for _, c := range t.Categories {
		if c.Code == code {
			return c, true
		}
	}
	return Category{}, false
}

// Place returns the gazetteer unit with the code.
func (t *Taxonomy) Place(code string) (Unit, bool) {
	for _, u := range t.Places {
		if u.Code == code {
			return u, true
		}
	}
	return Unit{}, false
}

// taxonomyFileName is the editable taxonomy in the archive root, seeded from
// the embedded defaults (TAXONOMY.md) when the archive is first opened.
const taxonomyFileName = "taxonomy.json"

// ErrTaxonomy is wrapped by every error about a taxonomy file.
var ErrTaxonomy = errors.New("archive: taxonomy")

// DefaultTaxonomy returns the categories and places of TAXONOMY.md.
func DefaultTaxonomy() (*Taxonomy, error) {
	return parseTaxonomy("embedded taxonomy", defaultTaxonomyJSON)
}

// loadTaxonomy reads and checks a taxonomy file. Errors name the file and
// wrap ErrTaxonomy.
func loadTaxonomy(path string) (*Taxonomy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTaxonomy, err)
	}
	return parseTaxonomy(path, b)
}

// parseTaxonomy decodes a taxonomy and checks that every code is present
// and unique, so a hand edit that breaks it is caught when the archive opens.
func parseTaxonomy(name string, b []byte) (*Taxonomy, error) {
	var t Taxonomy
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrTaxonomy, name, err)
	}
	if len(t.Categories) == 0 && len(t.Places) == 0 {
		return nil, fmt.Errorf("%w: %s: no categories and no places", ErrTaxonomy, name)
	}
	seen := map[string]bool{}
	for i, c := range t.Categories {
		if strings.TrimSpace(c.Code) == "" || seen["c"+c.Code] {
			return nil, fmt.Errorf("%w: %s: category %d: empty or repeated code %q", ErrTaxonomy, name, i+1, c.Code)
		}
		seen["c"+c.Code] = true
	}
	for i, u := range t.Places {
		if strings.TrimSpace(u.Code) == "" || seen["p"+u.Code] {
			return nil, fmt.Errorf("%w: %s: place %d: empty or repeated code %q", ErrTaxonomy, name, i+1, u.Code)
		}
		seen["p"+u.Code] = true
	}
	return &t, nil
}

// openTaxonomy loads ROOT/taxonomy.json, seeding it from the embedded
// defaults when it is missing (read-only: the defaults, nothing written).
func openTaxonomy(root string, readOnly bool) (*Taxonomy, error) {
	p := filepath.Join(root, taxonomyFileName)
	if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
		return loadTaxonomy(p)
	}
	if readOnly {
		return DefaultTaxonomy()
	}
	tmp, err := os.CreateTemp(root, ".taxonomy-*.json")
	if err != nil {
		return nil, fmt.Errorf("%w: seed %s: %v", ErrTaxonomy, p, err)
	}
	_, werr := tmp.Write(defaultTaxonomyJSON)
	if err := errors.Join(werr, tmp.Sync(), tmp.Close(), os.Chmod(tmp.Name(), 0o644)); err != nil {
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("%w: seed %s: %v", ErrTaxonomy, p, err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("%w: seed %s: %v", ErrTaxonomy, p, err)
	}
	return DefaultTaxonomy()
}

// CheckCategory says whether code is a category of the taxonomy.
func (t *Taxonomy) CheckCategory(code string) error {
	if _, ok := t.Category(code); !ok {
		return fmt.Errorf("unknown category %q", code)
	}
	return nil
}

// CheckPlace says whether code is a unit of the gazetteer.
func (t *Taxonomy) CheckPlace(code string) error {
	if _, ok := t.Place(code); !ok {
		return fmt.Errorf("unknown place code %q", code)
	}
	return nil
}
