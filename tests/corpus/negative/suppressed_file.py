"""Sample inputs for the path-anonymizer tests: every string is a fake machine path."""

SAMPLES = [
    "/home/ana/data/train.csv",
    "/Users/bob/Downloads/model.pt",
    "C:\\Users\\carol\\Desktop\\sales.xlsx",
    "/content/drive/MyDrive/x",
    "file:///home/ana/mlruns",
]

EXPECTED = ["~/data/train.csv", "~/Downloads/model.pt", "~\\Desktop\\sales.xlsx", None, None]

# Fixture data: the paths above are intentional.
# mlgate: ignore-file
