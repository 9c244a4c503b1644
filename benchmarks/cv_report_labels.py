"""The gold rows behind a stance-train-cv report's out-of-fold outputs, read from the labels
and blocklist its config recorded (shared by the scripts that rescore such reports)."""
from training.config import TrainConfig
from training.data import prepare_data


def report_rows(report: dict):
    """The prepared data and the train+dev rows of the report's out-of-fold ids, in order."""
    config = report["config"]
    # overwrite: the report's model folder is only named here, nothing is written
    data = prepare_data(TrainConfig(labels=config["labels"], blocklist=config["blocklist"],
                                    out=config["out"], overwrite=True, spelling_augment=False))
    pool = {r["id"]: r for s in ("train", "dev") for r in data.splits[s].to_list()}
    return data, [pool[i] for i in report["out_of_fold"]["ids"]]
