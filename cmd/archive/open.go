package main

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/haiduong/promo-archive/archive"
)

// openArchive opens the archive the global flags select.
func (g *globalOptions) openArchive(readOnly bool) (*archive.Archive, error) {
	log, err := g.logger()
	if err != nil {
		return nil, err
	}
	loc, err := g.location()
	if err != nil {
		return nil, err
	}
	return archive.Open(g.root, archive.Options{ReadOnly: readOnly, Location: loc, Logger: log})
}

// location is the --tz zone.
func (g *globalOptions) location() (*time.Location, error) {
	loc, err := time.LoadLocation(g.timezone)
	if err != nil {
		return nil, fmt.Errorf("%w: --tz %q: %v", errUsage, g.timezone, err)
	}
	return loc, nil
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
