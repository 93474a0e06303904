package mip

import "testing"

// TestChooseScores checks the branching score: the objective changes
// decide, and the inference and cutoff history of the variables only
// breaks (near) ties.
func TestChooseScores(t *testing.T) {
	x := []float64{0.5, 0.5, 0.5}
	frac := []int{0, 1, 2}
	none := func(int, bool) (float64, bool) { return 0, false }
	tests := []struct {
		name    string
		history func(pc *pseudoCosts)
		gains   map[int]float64 // measured change of both children
		want    int
	}{
		{
			name: "no history: the first most fractional variable",
			want: 0,
		},
		{
			name: "equal objective changes: the variable with most inferences",
			history: func(pc *pseudoCosts) {
				for _, up := range []bool{false, true} {
					pc.updateInference(0, up, 1, false)
					pc.updateInference(1, up, 6, false)
					pc.updateInference(2, up, 2, false)
				}
			},
			want: 1,
		},
		{
			name: "equal objective changes and inferences: the variable whose children were cut off",
			history: func(pc *pseudoCosts) {
				for _, up := range []bool{false, true} {
					pc.updateInference(0, up, 3, false)
					pc.updateInference(1, up, 3, false)
					pc.updateInference(2, up, 3, true)
				}
			},
			want: 2,
		},
		{
			name: "objective changes outweigh inferences",
			history: func(pc *pseudoCosts) {
				for _, up := range []bool{false, true} {
					pc.updateInference(1, up, 50, true)
				}
			},
			gains: map[int]float64{0: 1, 1: 0.9, 2: 2},
			want:  2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pc := newPseudoCosts(len(x))
			if tt.history != nil {
				tt.history(pc)
			}
			measured := none
			if tt.gains != nil {
				measured = func(j int, _ bool) (float64, bool) { return tt.gains[j], true }
			}
			if got := pc.choose(x, frac, measured); got != tt.want {
				t.Errorf("choose = %d, want %d", got, tt.want)
			}
		})
	}
}
