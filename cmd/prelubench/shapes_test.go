package main

import (
	"bytes"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"testing"
)

// TestShapesMatchBenchmarks checks that the shape table here and the one in
// the root package's bench_test.go (BenchmarkNetworks, BenchmarkShapes) are
// the same code: the type suiteShape, its methods, networkShapes and
// sweepShapes, compared as gofmt prints them (comments aside).
func TestShapesMatchBenchmarks(t *testing.T) {
	here, there := shapeDecls(t, "shapes.go"), shapeDecls(t, "../../bench_test.go")
	for _, name := range []string{"type suiteShape", "func suiteShape.name", "func suiteShape.n",
		"func suiteShape.channels", "var networkShapes", "func sweepShapes"} {
		switch {
		case here[name] == "":
			t.Errorf("%s: not in shapes.go", name)
		case there[name] == "":
			t.Errorf("%s: not in ../../bench_test.go", name)
		case here[name] != there[name]:
			t.Errorf("%s differs between shapes.go and ../../bench_test.go:\n%s\n---\n%s", name, here[name], there[name])
		}
	}
	for name := range there {
		if here[name] == "" {
			t.Errorf("%s is in ../../bench_test.go's shape table but not in shapes.go", name)
		}
	}
}

// shapeDecls returns the declarations of the shape table in path, printed.
func shapeDecls(t *testing.T, path string) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0) // no comments
	if err != nil {
		t.Fatal(err)
	}
	decls := map[string]string{}
	print := func(name string, node any) {
		var b bytes.Buffer
		if err := format.Node(&b, fset, node); err != nil {
			t.Fatal(err)
		}
		decls[name] = b.String()
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					if s.Name.Name == "suiteShape" {
						print("type suiteShape", s)
					}
				case *ast.ValueSpec:
					if len(s.Names) == 1 && s.Names[0].Name == "networkShapes" {
						print("var networkShapes", s)
					}
				}
			}
		case *ast.FuncDecl:
			if d.Recv != nil && len(d.Recv.List) == 1 {
				if id, ok := d.Recv.List[0].Type.(*ast.Ident); ok && id.Name == "suiteShape" {
					print("func suiteShape."+d.Name.Name, d)
				}
			} else if d.Name.Name == "sweepShapes" {
				print("func sweepShapes", d)
			}
		}
	}
	return decls
}
