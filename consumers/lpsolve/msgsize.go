package lpsolve

import (
	"errors"

	"github.com/nsqfarm/nsqfarm/consumers/stage"
)

// The fewest bytes a variable and a constraint add to a published
// solution: a one-character name in "variables" and "reduced_costs"
// (`"x":0,` twice), and in "constraints" (`"c":{"activity":0,"dual":0},`).
const (
	minSolutionBytesPerVariable   = 12
	minSolutionBytesPerConstraint = 30
)

// CheckMaxMsgSize reports the size options that cannot work with nsqd's
// largest message maxMsgSize: model text larger than a job can carry, or
// model limits under which even the tersest solution (one-character
// names, zero values) is too big to publish. A solution that outgrows the
// message size anyway (long names, long numbers) is dead-lettered with its
// size. It implements stage.MessageSizeLimited.
func (o Options) CheckMaxMsgSize(maxMsgSize int) error {
	var errs []error
	if o.MaxTextBytes == 0 || o.MaxTextBytes > maxMsgSize {
		errs = append(errs, stage.OptionErrorf("max_text_bytes", "max_text_bytes (%d) must be set and at most max_msg_size (%d): a job larger than a message cannot be published", o.MaxTextBytes, maxMsgSize))
	}
	if o.MaxVariables == 0 || o.MaxConstraints == 0 {
		errs = append(errs, stage.OptionErrorf("max_variables", "max_variables and max_constraints must be set: the solution of an unbounded model size can exceed max_msg_size (%d)", maxMsgSize))
	} else if n := o.MaxVariables*minSolutionBytesPerVariable + o.MaxConstraints*minSolutionBytesPerConstraint; n > maxMsgSize {
		errs = append(errs, stage.OptionErrorf("max_variables", "max_variables (%d) and max_constraints (%d) allow solutions of at least %d bytes, over max_msg_size (%d): lower them or raise max_msg_size",
			o.MaxVariables, o.MaxConstraints, n, maxMsgSize))
	}
	return errors.Join(errs...)
}
