#!/usr/bin/bash

WORK_DIR = /gpfs/group/su/lhgioia/map/

cut -f 1 $WORK_DIR/data/allen/gene_count_files/487201685.tsv > data/allen/matrices/

for file in `ls /gpfs/group/su/lhgioia/map/data/allen/gene_count_files/`
do

    

done

