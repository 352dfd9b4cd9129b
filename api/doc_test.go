package api

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"maps"
	"slices"
	"strings"
	"testing"
)

// TestDocNamesEveryInterface keeps the package doc whole: every interface
// api declares for its dependencies is named there with what implements it.
func TestDocNamesEveryInterface(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	files := slices.Collect(maps.Values(pkgs["api"].Files))
	p, err := doc.NewFromFiles(fset, files, "github.com/haiduong/promo-archive/api")
	if err != nil {
		t.Fatal(err)
	}
	interfaces := 0
	for _, typ := range p.Types {
		if _, ok := typ.Decl.Specs[0].(*ast.TypeSpec).Type.(*ast.InterfaceType); !ok {
			continue
		}
		interfaces++
		if !strings.Contains(p.Doc, typ.Name+" ") && !strings.Contains(p.Doc, typ.Name+")") {
			t.Errorf("the package doc does not name the interface %s", typ.Name)
		}
	}
	if interfaces == 0 {
		t.Fatal("no interfaces found; the test no longer sees the package")
	}
}
