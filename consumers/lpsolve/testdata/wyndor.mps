NAME          WYNDOR
OBJSENSE
    MAX
ROWS
 N  PROFIT
 L  PLANT1
 L  PLANT2
 L  PLANT3
COLUMNS
    DOORS     PROFIT         300   PLANT1           1
    DOORS     PLANT3           3
    WINDOWS   PROFIT         500   PLANT2           2
    WINDOWS   PLANT3           2
RHS
    RHS       PLANT1           4   PLANT2          12
    RHS       PLANT3          18
ENDATA
