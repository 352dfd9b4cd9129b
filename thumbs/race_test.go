//go:build race

package thumbs

// raceEnabled makes the corpus test skip large originals: the race detector
// slows decoding and resizing twenty-fold.
const raceEnabled = true
