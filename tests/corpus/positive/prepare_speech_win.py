"""Prepare the speech corpus on the Windows workstation."""
import os
import shutil
from pathlib import Path, PureWindowsPath

RAW_DIR = r"C:\Users\maria\Documents\speech\raw"
CLEAN_DIR = "C:\\Users\\maria\\Documents\\speech\\clean"
NOISE_DIR = Path("D:/datasets/musan/noise")
SHARE = r"\\labserver\audio-share\librispeech"
ARCHIVE = "\\\\nas01\\projects\\speech\\archive"
LOG_FILE = os.path.join(os.environ.get("USERPROFILE", "."), "speech_prep.log")
REL_CLIPS = PureWindowsPath("data\\raw\\clips")
DATE_FMT = "%Y/%m/%d"
SPLIT = "80/10/10"


def copy_clips(src=RAW_DIR, dst=CLEAN_DIR):
    os.makedirs(dst, exist_ok=True)
    for name in os.listdir(src):
        if name.lower().endswith(".wav"):
            shutil.copy2(os.path.join(src, name), os.path.join(dst, name))


if __name__ == "__main__":
    copy_clips()
    shutil.copytree(CLEAN_DIR, os.path.join(SHARE, "clean"), dirs_exist_ok=True)
    shutil.copytree(NOISE_DIR, REL_CLIPS / "noise", dirs_exist_ok=True)
    print(r"done, backup copy in E:\backup\speech")
