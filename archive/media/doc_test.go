package media

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"
)

// TestDocNamesEveryType keeps the package doc's list of kinds whole: every
// MIME type the sniffer can accept (the mime* constants) is named in it.
func TestDocNamesEveryType(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	pkg := pkgs["media"]
	var doc string
	for _, f := range pkg.Files {
		if f.Doc != nil {
			doc += f.Doc.Text()
		}
	}
	n := 0
	for _, f := range pkg.Files {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, sp := range gd.Specs {
				vs := sp.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if !strings.HasPrefix(name.Name, "mime") || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok {
						continue
					}
					v, _ := strconv.Unquote(lit.Value)
					n++
					t.Run(v, func(t *testing.T) {
						if !strings.Contains(doc, v) {
							t.Errorf("the package doc does not name %s (%s)", v, name.Name)
						}
					})
				}
			}
		}
	}
	if n < 15 {
		t.Fatalf("found %d mime constants; the test no longer sees them", n)
	}
}
