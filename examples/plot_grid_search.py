"""
Grid search over the architecture, read through sensitivity and specificity
===========================================================================

``GridSearchCV`` searches optimizer x recurrent layer type x dropout x
``maxlen`` over one pipeline, scoring every candidate with
:data:`skseq.metrics.SCORING`, so the results show where a model is biased
toward one class. The best model's decision threshold is then tuned with
:class:`~sklearn.model_selection.TunedThresholdClassifierCV` to balance its
errors.
"""

# %%
import os
import tempfile

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.model_selection import GridSearchCV, TunedThresholdClassifierCV
from sklearn.pipeline import Pipeline

from skseq import IntegerSequencer, LSTMSequenceClassifier, Padder
from skseq.datasets import load_imdb
from skseq.experiments import SEED_ARCHITECTURE
from skseq.metrics import SCORING, evaluation_report, format_report

QUICK = os.environ.get("SKSEQ_EXAMPLES_QUICK") == "1"
X_train, y_train = load_imdb("train", return_X_y=True)
X_test, y_test = load_imdb("test", return_X_y=True)
n_train = 600 if QUICK else 4000
X_train, y_train = X_train[:n_train], y_train[:n_train]
X_test, y_test = X_test[:2000], y_test[:2000]

# %%
# The search. ``memory`` caches the fitted transformers, so candidates that
# differ only in the classifier do not re-tokenise.
pipe = Pipeline(
    [("sequencer", IntegerSequencer(num_words=2000)), ("padder", Padder(padding="post")),
     ("classifier", LSTMSequenceClassifier(**SEED_ARCHITECTURE, units=32,
                                           epochs=1 if QUICK else 3, batch_size=64,
                                           random_state=0))],
    memory=tempfile.mkdtemp(prefix="skseq-cache-"),
)
grid = {
    "classifier__optimizer": ["adam", "rmsprop"],
    "classifier__layer_type": ["lstm", "gru"],
    "classifier__dropout": [0.0, 0.2],
    "padder__maxlen": [100, 200],
}
if QUICK:  # 4 candidates instead of 16
    grid = {k: v if k in ("classifier__optimizer", "classifier__layer_type") else v[:1]
            for k, v in grid.items()}
search = GridSearchCV(pipe, grid, scoring=SCORING, refit="balanced_accuracy", cv=2 if QUICK else 3)
search.fit(X_train, y_train)

# %%
# Ranked by balanced accuracy, with mean test sensitivity and specificity.
results = pd.DataFrame(search.cv_results_)
columns = ["param_classifier__optimizer", "param_classifier__layer_type",
           "param_classifier__dropout", "param_padder__maxlen", "mean_test_balanced_accuracy",
           "mean_test_sensitivity", "mean_test_specificity", "mean_test_roc_auc"]
table = results.sort_values("rank_test_balanced_accuracy")[columns]
table.columns = ["optimizer", "layer", "dropout", "maxlen", "bal. acc", "sens", "spec", "AUC"]
print(table.to_string(index=False, float_format="%.3f"))

# %%
# Sensitivity against specificity per candidate: points far from the
# diagonal are models biased toward one class.
fig, ax = plt.subplots(figsize=(5, 4.5), layout="constrained")
ax.scatter(table["spec"], table["sens"], c=table["bal. acc"], cmap="viridis")
ax.plot([0, 1], [0, 1], "k:", lw=1)
ax.set_xlabel("specificity (recall of negative reviews)")
ax.set_ylabel("sensitivity (recall of positive reviews)")
_ = ax.set_title("GridSearchCV candidates")

# %%
# Tune the decision threshold of the best configuration for balanced
# accuracy: the way to remove the imbalance the R book complains about.
tuned = TunedThresholdClassifierCV(search.best_estimator_, scoring="balanced_accuracy",
                                   cv=2, random_state=0).fit(X_train, y_train)
print(f"best threshold: {tuned.best_threshold_:.3f}")
report = evaluation_report({"threshold 0.5": search.best_estimator_}, {"test": (X_test, y_test)},
                           as_frame=True)
report_tuned = evaluation_report({f"threshold {tuned.best_threshold_:.2f}": search.best_estimator_},
                                 {"test": (X_test, y_test)}, threshold=tuned.best_threshold_,
                                 as_frame=True)
print(format_report(pd.concat([report, report_tuned]).drop(columns="confusion_matrix")))
